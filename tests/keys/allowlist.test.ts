import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { apiKeys } from "../../db/schema.ts";
import { fromAddress } from "../support/from-address.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const ALLOWED = ["203.0.113.0/24", "2001:db8::/32", "::ffff:198.51.100.0/120"];
/** GET /api/v1/articles/latest with `key`, as if from `address`, with optional extra headers. */
const fetchAs = (key: string, address: string, headers: Record<string, string> = {}) =>
  h.app.request("/api/v1/articles/latest", { headers: { "x-api-key": key, ...headers } }, fromAddress(address));

async function keyWithAllowlist(allowedIps: string[] = ALLOWED) {
  const u = await h.signUp();
  return { u, k: await h.createKey(u.token, { name: "fenced", allowedIps }) };
}

describe("per-key IP allowlists", () => {
  test("stored canonical; v4, v6 and v4-mapped callers inside a CIDR pass, others get 403 IP_NOT_ALLOWED", async () => {
    h = await createHarness();
    const u = await h.signUp();
    const res = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "f", allowedIps: [...ALLOWED, " 203.0.113.0/24", "2001:DB8:0:0::1"] } });
    expect(res.status).toBe(201);
    const k = (await json(res)).data;
    expect(k.allowedIps).toEqual(["203.0.113.0/24", "2001:db8::/32", "198.51.100.0/24", "2001:db8::1/128"]);

    for (const address of ["203.0.113.5", "::ffff:203.0.113.77", "2001:db8::1", "2001:db8:ffff::9", "198.51.100.3", "::ffff:198.51.100.4"]) {
      expect({ address, status: (await fetchAs(k.key, address)).status }).toEqual({ address, status: 200 });
    }
    for (const address of ["203.0.114.1", "::ffff:10.0.0.1", "2001:db9::1", "::1", "198.51.101.3", "unknown"]) {
      const denied = await fetchAs(k.key, address);
      expect({ address, status: denied.status }).toEqual({ address, status: 403 });
      expect(await json(denied)).toEqual({ success: false, error: "This API key may not be used from this address", code: "IP_NOT_ALLOWED" });
    }
  });

  test("a refused request spends no rate-limit token but counts against the invalid-key throttle", async () => {
    h = await createHarness();
    const { k } = await keyWithAllowlist();
    const denied = await fetchAs(k.key, "192.0.2.1");
    expect(denied.status).toBe(403);
    expect(denied.headers.get("x-ratelimit-remaining")).toBeNull();
    const ok = await fetchAs(k.key, "203.0.113.1");
    expect(ok.headers.get("x-ratelimit-remaining")).toBe("99");
    // 1 refusal so far; 49 more fill the invalid-key throttle of 192.0.2.1, and the next is a 429.
    for (let i = 0; i < 49; i++) expect((await fetchAs(k.key, "192.0.2.1")).status).toBe(403);
    const throttled = await fetchAs(k.key, "192.0.2.1");
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).not.toBeNull();
    expect((await fetchAs(k.key, "203.0.113.1")).headers.get("x-ratelimit-remaining")).toBe("98");
  });

  test("a key called from many addresses, more than its matcher remembers, gets the right answer for each, twice", async () => {
    h = await createHarness({ rateLimitPerMinute: 100_000, userRateLimitPerMinute: 0 });
    const { k } = await keyWithAllowlist();
    const statuses = async () => {
      const seen: string[] = [];
      for (let i = 1; i <= 300; i++) {
        seen.push(`${i} in ${(await fetchAs(k.key, `2001:db8::${i.toString(16)}`)).status}`);
        // each outside caller on a /64 of its own: refusals count against the invalid-key throttle by /64
        seen.push(`${i} out ${(await fetchAs(k.key, `2001:db9:${i.toString(16)}::1`)).status}`);
      }
      return seen;
    };
    const expected = Array.from({ length: 300 }, (_, i) => [`${i + 1} in 200`, `${i + 1} out 403`]).flat();
    expect(await statuses()).toEqual(expected);
    expect(await statuses()).toEqual(expected);
  });

  test("behind a trusted proxy the last X-Forwarded-For hop decides, not what the client put first", async () => {
    h = await createHarness({ trustProxy: true });
    const { k } = await keyWithAllowlist();
    const proxy = "10.0.0.2";
    expect((await fetchAs(k.key, proxy, { "x-forwarded-for": "192.0.2.50, 203.0.113.8" })).status).toBe(200);
    expect((await fetchAs(k.key, proxy, { "x-forwarded-for": "2001:db8::77" })).status).toBe(200);
    expect((await fetchAs(k.key, proxy, { "x-forwarded-for": "::ffff:203.0.113.8" })).status).toBe(200);
    expect((await fetchAs(k.key, proxy, { "x-forwarded-for": "203.0.113.8, 192.0.2.50" })).status).toBe(403);
    expect((await fetchAs(k.key, proxy)).status).toBe(403); // no header: the proxy's own address
  });

  test("without a trusted proxy X-Forwarded-For is ignored", async () => {
    h = await createHarness();
    const { k } = await keyWithAllowlist();
    expect((await fetchAs(k.key, "192.0.2.50", { "x-forwarded-for": "203.0.113.8" })).status).toBe(403);
  });

  test("bad lists are 400s and create nothing: not CIDRs, too many, empty", async () => {
    h = await createHarness();
    const u = await h.signUp();
    const many = Array.from({ length: 51 }, (_, i) => `10.0.${i}.0/24`);
    const cases: [unknown, string][] = [
      [["10.1"], "allowedIps.0"], [["0x0a.0.0.1"], "allowedIps.0"], [["1.2.3.4/33"], "allowedIps.0"], [["::/129"], "allowedIps.0"],
      [["fe80::1%eth0"], "allowedIps.0"], [["203.0.113.0/24", "example.com"], "allowedIps.1"], [[""], "allowedIps.0"],
      [many, "allowedIps"], [[], "allowedIps"], ["10.0.0.0/8", "allowedIps"],
    ];
    for (const [allowedIps, field] of cases) {
      const res = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "x", allowedIps } });
      expect({ allowedIps, status: res.status }).toEqual({ allowedIps, status: 400 });
      expect((await json(res)).details.map((d: any) => d.field)).toContain(field);
    }
    expect(h.core.deps.db.select().from(apiKeys).all()).toHaveLength(0);
    const fifty = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "x", allowedIps: many.slice(0, 50) } });
    expect(fifty.status).toBe(201);
  });

  test("an admin sets and clears a key's allowlist; it applies to the next request", async () => {
    h = await createHarness();
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    expect((await fetchAs(k.key, "192.0.2.1")).status).toBe(200);
    const put = await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { allowedIps: ["203.0.113.0/24"] } });
    expect((await json(put)).data.allowedIps).toEqual(["203.0.113.0/24"]);
    expect((await fetchAs(k.key, "192.0.2.1")).status).toBe(403);
    expect((await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { allowedIps: ["nope"] } })).status).toBe(400);
    await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { allowedIps: null } });
    expect((await fetchAs(k.key, "192.0.2.1")).status).toBe(200);
  });

  test("over a real socket and tRPC: 127.0.0.1 passes a loopback allowlist, FORBIDDEN otherwise", async () => {
    h = await createHarness();
    const srv = listen(h);
    try {
      const u = await h.signUp();
      const client = createArgusClient({ url: srv.url, token: u.token });
      const home = await client.keys.create.mutate({ name: "home", allowedIps: ["127.0.0.0/8"] });
      const away = await client.keys.create.mutate({ name: "away", allowedIps: ["10.0.0.0/8", "::1"] });
      expect(await createArgusClient({ url: srv.url, apiKey: home.key }).auth.me.query()).toMatchObject({ key: { id: home.id } });
      const refused = await createArgusClient({ url: srv.url, apiKey: away.key }).auth.me.query().catch((e) => e);
      expect(refused.data).toMatchObject({ code: "FORBIDDEN", appCode: "IP_NOT_ALLOWED" });
      const rest = await fetch(`${srv.url}/api/auth/me`, { headers: { "x-api-key": away.key } });
      expect(rest.status).toBe(403);
      expect((await rest.json()) as any).toMatchObject({ code: "IP_NOT_ALLOWED" });
    } finally {
      srv.stop();
    }
  });
});
