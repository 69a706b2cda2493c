import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { loadConfig } from "../../server/config.ts";
import { fromAddress } from "../support/from-address.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

let h: Harness;
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const zero = { ok: 0, rateLimited: 0, quotaExceeded: 0, forbidden: 0, ipNotAllowed: 0, revoked: 0, expired: 0, deactivated: 0, notFound: 0 };
const NOW = "2026-11-28T12:00:00.000Z"; // the harness clock
const latest = (key: string, address = "127.0.0.1") =>
  h.app.request("/api/v1/articles/latest", { headers: { "x-api-key": key } }, fromAddress(address));
const get = async (path: string, token: string) => {
  const res = await h.request(path, { token });
  return { status: res.status, body: await json(res) };
};
const rows = (id: string) =>
  h.core.deps.db.$client
    .query("SELECT unit, start, ok, rate_limited AS rateLimited, not_found AS notFound FROM key_usage WHERE key_id = ? ORDER BY unit, start")
    .all(id);

describe("GET /api/keys/:id/usage counts every request of the key, by outcome", () => {
  test("ok, not found, forbidden (scope), rate limited, revoked: the counts equal the requests sent", async () => {
    h = await createHarness({ rateLimitPerMinute: 5 });
    const u = await h.signUp();
    const k = await h.createKey(u.token, { name: "reader" });
    for (let i = 0; i < 3; i++) expect((await latest(k.key)).status).toBe(200);
    expect((await h.request("/api/v1/articles/no-such-article", { apiKey: k.key })).status).toBe(404);
    const write = await h.request("/api/v1/articles", {
      method: "POST", apiKey: k.key, json: { title: "t", url: "https://x.example.com/1", source: "s", publishedAt: "2026-11-01T00:00:00Z" },
    });
    expect(write.status).toBe(403);
    // 5 tokens a minute, all 5 spent: the next 4 are refused.
    for (let i = 0; i < 4; i++) expect((await latest(k.key)).status).toBe(429);
    expect((await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await latest(k.key)).status).toBe(401);

    const totals = { ...zero, ok: 3, notFound: 1, forbidden: 1, rateLimited: 4, revoked: 2 };
    expect(await get(`/api/keys/${k.id}/usage?granularity=minute`, u.token)).toEqual({
      status: 200,
      body: {
        success: true,
        data: {
          // The default minute range: the hour up to the end of the current minute.
          keyId: k.id, granularity: "minute", since: "2026-11-28T11:01:00.000Z", until: "2026-11-28T12:01:00.000Z",
          points: [{ start: NOW, ...totals }], totals,
        },
      },
    });
    // Minute, hour and day rows were written together, in the same flush.
    expect(rows(k.id)).toEqual([
      { unit: "day", start: Date.parse("2026-11-28T00:00:00Z"), ok: 3, rateLimited: 4, notFound: 1 },
      { unit: "hour", start: Date.parse(NOW), ok: 3, rateLimited: 4, notFound: 1 },
      { unit: "minute", start: Date.parse(NOW), ok: 3, rateLimited: 4, notFound: 1 },
    ]);
  });

  test("expired, deactivated, IP not allowed and quota exceeded each land in their own counter", async () => {
    h = await createHarness();
    const u = await h.signUp();
    const admin = await h.signUp("admin");
    const expiring = await h.createKey(u.token, { name: "expiring", expiresAt: new Date(h.clock.now() + 90_000).toISOString() });
    const fenced = await h.createKey(u.token, { name: "fenced", allowedIps: ["203.0.113.0/24"] });
    const metered = await h.createKey(u.token, { name: "metered", quota: { limit: 2, period: "day" } });
    const switched = await h.createKey(u.token, { name: "switched" });

    expect((await latest(expiring.key)).status).toBe(200);
    expect((await latest(fenced.key, "203.0.113.9")).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await latest(fenced.key, "192.0.2.1")).status).toBe(403);
    expect((await latest(switched.key)).status).toBe(200);
    const off = await h.request(`/api/admin/api-keys/${switched.id}`, { method: "PUT", token: admin.token, json: { isActive: false } });
    expect(off.status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await latest(switched.key)).status).toBe(401);
    h.clock.advance(120_000); // 12:02: the expiring key has expired, and these land in another minute
    for (let i = 0; i < 2; i++) expect((await latest(expiring.key)).status).toBe(401);
    const metering = await Promise.all(Array.from({ length: 5 }, () => latest(metered.key)));
    expect(metering.map((r) => r.status).sort()).toEqual([200, 200, 429, 429, 429]);

    const series = async (id: string, granularity = "minute") => (await get(`/api/keys/${id}/usage?granularity=${granularity}`, u.token)).body.data;
    const e = await series(expiring.id);
    expect(e.points).toEqual([{ start: NOW, ...zero, ok: 1 }, { start: "2026-11-28T12:02:00.000Z", ...zero, expired: 2 }]);
    expect(e.totals).toEqual({ ...zero, ok: 1, expired: 2 });
    expect((await series(fenced.id)).totals).toEqual({ ...zero, ok: 1, ipNotAllowed: 3 });
    expect((await series(switched.id)).totals).toEqual({ ...zero, ok: 1, deactivated: 2 });
    expect((await series(metered.id)).totals).toEqual({ ...zero, ok: 2, quotaExceeded: 3 });
    // The hour and the day say the same, in one bucket each.
    expect((await series(expiring.id, "hour")).points).toEqual([{ start: NOW, ...zero, ok: 1, expired: 2 }]);
    expect((await series(expiring.id, "day")).points).toEqual([{ start: "2026-11-28T00:00:00.000Z", ...zero, ok: 1, expired: 2 }]);
  });

  test("a deactivated owner's key counts as deactivated; an unknown key counts nowhere", async () => {
    h = await createHarness();
    const u = await h.signUp();
    const admin = await h.signUp("admin");
    const k = await h.createKey(u.token);
    expect((await latest("argus_0123456789abcdef0123456789abcdef")).status).toBe(401);
    expect((await h.request(`/api/admin/users/${u.user.id}`, { method: "PUT", token: admin.token, json: { isActive: false } })).status).toBe(200);
    expect((await latest(k.key)).status).toBe(401);
    const body = (await get(`/api/admin/api-keys/${k.id}/usage`, admin.token)).body;
    expect(body.data.totals).toEqual({ ...zero, deactivated: 1 });
    expect(h.core.deps.db.$client.query("SELECT count(*) AS n FROM key_usage WHERE key_id <> ?").get(k.id)).toEqual({ n: 0 });
  });
});

describe("ARGUS_USAGE", () => {
  test("false counts nothing; what is stored still answers", async () => {
    expect(loadConfig({ ARGUS_USAGE: "false" }).usage).toBe(false);
    expect(loadConfig({}).usage).toBe(true);
    h = await createHarness({ usage: false });
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    for (let i = 0; i < 3; i++) expect((await latest(k.key)).status).toBe(200);
    const { status, body } = await get(`/api/keys/${k.id}/usage`, u.token);
    expect(status).toBe(200);
    expect(body.data.points).toEqual([]);
    expect(rows(k.id)).toEqual([]);
  });
});

describe("who may read usage", () => {
  test("the owner and admins; another account gets 404, a non-admin 403 on admin routes, an API key 401", async () => {
    h = await createHarness();
    const owner = await h.signUp();
    const other = await h.signUp();
    const admin = await h.signUp("admin");
    const k = await h.createKey(owner.token);
    expect((await latest(k.key)).status).toBe(200);

    expect((await get(`/api/keys/${k.id}/usage`, owner.token)).body.data.totals.ok).toBe(1);
    expect(await get(`/api/keys/${k.id}/usage`, other.token)).toEqual({
      status: 404, body: { success: false, error: "API key not found", code: "NOT_FOUND" },
    });
    expect((await get(`/api/keys/no-such-key/usage`, owner.token)).status).toBe(404);
    expect((await get(`/api/admin/api-keys/${k.id}/usage`, admin.token)).body.data.totals.ok).toBe(1);
    expect((await get(`/api/admin/api-keys/no-such-key/usage`, admin.token)).status).toBe(404);
    for (const path of [`/api/admin/api-keys/${k.id}/usage`, "/api/admin/usage"]) {
      expect(await get(path, owner.token)).toEqual({ status: 403, body: { success: false, error: "Admin access required", code: "FORBIDDEN" } });
    }
    const withKey = await h.request(`/api/keys/${k.id}/usage`, { apiKey: k.key });
    expect(withKey.status).toBe(401);
    expect((await h.request(`/api/keys/${k.id}/usage`)).status).toBe(401);
  });

  test("ranges: defaults per granularity, 400 for an empty or too wide range or an unknown granularity", async () => {
    h = await createHarness();
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const range = async (q: string) => {
      const { status, body } = await get(`/api/keys/${k.id}/usage${q}`, u.token);
      return status === 200 ? [body.data.granularity, body.data.since, body.data.until] : [status, body.details?.[0]?.field ?? body.code];
    };
    expect(await range("")).toEqual(["hour", "2026-11-27T13:00:00.000Z", "2026-11-28T13:00:00.000Z"]);
    expect(await range("?granularity=day")).toEqual(["day", "2026-10-30T00:00:00.000Z", "2026-11-29T00:00:00.000Z"]);
    // since is rounded down to its bucket; an explicit until is kept as given.
    expect(await range("?granularity=minute&since=2026-11-28T10:00:30Z&until=2026-11-28T10:30:00Z")).toEqual([
      "minute", "2026-11-28T10:00:00.000Z", "2026-11-28T10:30:00.000Z",
    ]);
    expect(await range("?since=2026-11-28T10:00:00Z&until=2026-11-28T10:00:00Z")).toEqual([400, "since"]);
    expect(await range("?granularity=minute&since=2026-11-25T00:00:00Z")).toEqual([400, "since"]);
    expect(await range("?granularity=hour&since=2026-01-01T00:00:00Z")).toEqual([400, "since"]);
    expect(await range("?granularity=day&since=2026-01-01T00:00:00Z")).toEqual(["day", "2026-01-01T00:00:00.000Z", "2026-11-29T00:00:00.000Z"]);
    expect(await range("?granularity=second")).toEqual([400, "granularity"]);
    expect(await range("?since=yesterday")).toEqual([400, "since"]);
  });
});

describe("GET /api/admin/usage", () => {
  test("which keys were used in the last hour, how often, and which were rate-limited", async () => {
    h = await createHarness({ rateLimitPerMinute: 3 });
    const admin = await h.signUp("admin");
    const alice = await h.signUp("user", "alice@example.com");
    const bob = await h.signUp("user", "bob@example.com");
    const busy = await h.createKey(alice.token, { name: "busy" });
    const calm = await h.createKey(alice.token, { name: "calm" });
    const bobs = await h.createKey(bob.token, { name: "bob's" });
    const idle = await h.createKey(bob.token, { name: "idle" });
    h.clock.advance(-2 * 3_600_000); // two hours ago: used, but outside the last hour
    expect((await latest(idle.key)).status).toBe(200);
    h.clock.advance(2 * 3_600_000);
    for (let i = 0; i < 5; i++) await latest(busy.key); // 3 ok, 2 rate limited
    for (let i = 0; i < 2; i++) await latest(calm.key);
    for (let i = 0; i < 4; i++) await latest(bobs.key); // 3 ok, 1 rate limited

    const hour = await get(`/api/admin/usage?since=${new Date(h.clock.now() - 3_600_000).toISOString()}`, admin.token);
    expect(hour.status).toBe(200);
    expect(hour.body.data.since).toBe("2026-11-28T11:00:00.000Z");
    expect(hour.body.data.until).toBe("2026-11-28T12:01:00.000Z");
    const key = (k: { id: string }, name: string, userId: string, totals: object) => ({
      keyId: k.id, name, keyPrefix: expect.stringMatching(/^argus_/), userId, totals: { ...zero, ...totals },
    });
    expect(hour.body.data.keys).toEqual([
      key(busy, "busy", alice.user.id, { ok: 3, rateLimited: 2 }),
      key(bobs, "bob's", bob.user.id, { ok: 3, rateLimited: 1 }),
      key(calm, "calm", alice.user.id, { ok: 2 }),
    ]);
    expect(hour.body.data.users).toEqual([
      { userId: alice.user.id, email: "alice@example.com", totals: { ...zero, ok: 5, rateLimited: 2 } },
      { userId: bob.user.id, email: "bob@example.com", totals: { ...zero, ok: 3, rateLimited: 1 } },
    ]);

    const limited = (await get("/api/admin/usage?outcome=rateLimited", admin.token)).body.data;
    expect(limited.keys.map((k: any) => [k.name, k.totals.rateLimited])).toEqual([["busy", 2], ["bob's", 1]]);
    // The default range is the last 24 hours: the idle key's use two hours ago is in it.
    const day = (await get("/api/admin/usage?limit=1", admin.token)).body.data;
    expect(day.since).toBe("2026-11-27T12:01:00.000Z");
    expect(day.keys.map((k: any) => k.name)).toEqual(["busy"]);
    expect(day.users.map((u: any) => [u.email, u.totals.ok])).toEqual([["alice@example.com", 5]]);
    const all = (await get("/api/admin/usage", admin.token)).body.data;
    expect(all.keys.map((k: any) => k.name)).toEqual(["busy", "bob's", "calm", "idle"]);
    expect((await get("/api/admin/usage?outcome=sideways", admin.token)).status).toBe(400);
    // A bounded range: 1970 to now is refused, and says why.
    const forever = await get("/api/admin/usage?since=1970-01-01T00:00:00.000Z", admin.token);
    expect(forever.status).toBe(400);
    expect(forever.body.details).toEqual([{ field: "since", message: "totals may span at most 1098 days" }]);
  });
});
