import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { OpenAPIHono } from "@hono/zod-openapi";
import { createApp } from "../../server/http/app.ts";
import type { AppEnv } from "../../server/http/env.ts";
import { createFastPath, isHotTrpcCall } from "../../server/http/fast-path.ts";
import { createRequestIds } from "../../server/observability/request-id.ts";
import { mountTrpc } from "../../server/trpc/mount.ts";
import { createHarness, listen } from "../support/harness.ts";

setDefaultTimeout(60_000);

// The fast path (server/http/fast-path.ts) answers the hot GET routes outside Hono. Here the same core answers
// each request twice, once by the fast path and once by the app alone, and the answers must match: status, body,
// every header name, and every value but the request id and the counters that moved by one between the two.
let h: Awaited<ReturnType<typeof createHarness>>;
let fast: ReturnType<typeof createFastPath>;
let app: ReturnType<typeof createApp>;
beforeEach(async () => {
  h = await createHarness();
  fast = createFastPath(h.core, createRequestIds(), mountTrpc(new OpenAPIHono<AppEnv>(), h.core));
  app = createApp(h.core, { fastPath: false });
});
afterEach(() => h.close());

const MOVED = new Set(["x-request-id", "x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit", "x-quota-remaining"]);
const request = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  new Request(`http://localhost${path}`, { method, headers });

type Answer = { status: number; body: unknown; headers: Record<string, string> };
async function read(res: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => void (headers[k] = MOVED.has(k) ? "(moves)" : v));
  return { status: res.status, body: await res.json(), headers };
}

/** Asks the fast path, then the app; both must answer alike. Returns the fast path's answer. */
async function both(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const quick = fast(request(path, headers));
  expect(quick).not.toBeNull(); // the fast path took it
  const a = await read(await quick!);
  const b = await read(await app.request(path, { headers }));
  expect(a).toEqual(b);
  return a;
}

/** Status line and body of a raw HTTP/1.1 request (for request shapes fetch() cannot send). */
async function rawStatus(port: number, text: string): Promise<{ status: string; body: string; head: string }> {
  const all = await new Promise<string>((resolve) => {
    let buf = "";
    void Bun.connect({
      hostname: "127.0.0.1", port,
      socket: { open: (s) => void s.write(text), data: (_s, d) => void (buf += d.toString()), close: () => resolve(buf), error: () => resolve(buf) },
    });
  });
  const [head = "", body = ""] = all.split("\r\n\r\n");
  return { status: head.split("\r\n")[0]!, body, head };
}

async function userWithKey(json: Record<string, unknown> = { name: "k" }) {
  const u = await h.signUp();
  return { u, k: await h.createKey(u.token, json) };
}

describe("the fast path answers as the app does", () => {
  test("health, and /api/auth/me with a JWT, with a key, and without credentials", async () => {
    const { u, k } = await userWithKey();
    expect(await both("/api/health")).toMatchObject({ status: 200, body: { success: true, data: { status: "ok", database: "ok", rateLimiter: "ok" } } });
    expect(await both("/api/auth/me", { authorization: `Bearer ${u.token}` })).toMatchObject({ status: 200, body: { data: { id: u.user.id } } });
    const byKey = await both("/api/auth/me", { "x-api-key": k.key });
    expect(byKey).toMatchObject({ status: 200, body: { data: { id: u.user.id, key: { id: k.id } } }, headers: { "x-ratelimit-limit": "100" } });
    expect(byKey.headers["content-security-policy"]).toBeDefined();
    expect(byKey.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(await both("/api/auth/me")).toMatchObject({ status: 401, body: { success: false, code: "UNAUTHORIZED", error: "Authentication required" } });
  });

  test("bad credentials: malformed Authorization, a bad token, unknown and revoked keys", async () => {
    const { u, k } = await userWithKey();
    expect((await both("/api/auth/me", { authorization: "Basic abc" })).body).toMatchObject({ code: "UNAUTHORIZED" });
    expect((await both("/api/auth/me", { authorization: "Bearer nope" })).status).toBe(401);
    expect((await both("/api/auth/me", { "x-api-key": k.key.slice(0, -4) + "aaaa" })).status).toBe(401);
    await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token });
    expect((await both("/api/auth/me", { "x-api-key": k.key })).body).toMatchObject({ code: "UNAUTHORIZED", error: "API key has been revoked" });
  });

  test("a rate-limited key gets the same 429, Retry-After and headers", async () => {
    const admin = await h.signUp("admin");
    const { k } = await userWithKey();
    await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { rateLimit: 1 } });
    expect((await fast(request("/api/auth/me", { "x-api-key": k.key }))!).status).toBe(200);
    const refused = await both("/api/auth/me", { "x-api-key": k.key });
    expect(refused).toMatchObject({ status: 429, body: { code: "TOO_MANY_REQUESTS", retryAfter: 60 }, headers: { "retry-after": "60", "x-ratelimit-limit": "1" } });
  });

  test("quota keys spend, refuse with QUOTA_EXCEEDED, and allowlists refuse from outside", async () => {
    const { k } = await userWithKey({ name: "q", quota: { limit: 2, period: "day" } });
    expect((await both("/api/auth/me", { "x-api-key": k.key })).headers["x-quota-limit"]).toBe("2");
    const out = await both("/api/auth/me", { "x-api-key": k.key });
    expect(out).toMatchObject({ status: 429, body: { code: "QUOTA_EXCEEDED" } });
    const fenced = (await userWithKey({ name: "f", allowedIps: ["203.0.113.0/24"] })).k;
    expect(await both("/api/auth/me", { "x-api-key": fenced.key })).toMatchObject({ status: 403, body: { code: "IP_NOT_ALLOWED" } });
  });

  test("latest: default and plain limits, a JWT, no credentials, a key without the read scope", async () => {
    const admin = await h.signUp("admin");
    for (let i = 0; i < 3; i++) {
      await h.request("/api/v1/articles", { method: "POST", token: admin.token, json: { title: `A${i}`, url: `https://e.com/${i}`, source: "S", publishedAt: new Date(Date.UTC(2026, 0, i + 1)).toISOString() } });
    }
    const { u, k } = await userWithKey();
    expect((await both("/api/v1/articles/latest", { "x-api-key": k.key })).body).toMatchObject({ success: true, data: [{ title: "A2" }, { title: "A1" }, { title: "A0" }] });
    expect((await both("/api/v1/articles/latest?limit=2", { "x-api-key": k.key })).body).toMatchObject({ data: [{ title: "A2" }, { title: "A1" }] });
    expect((await both("/api/v1/articles/latest?limit=100", { authorization: `Bearer ${u.token}` })).status).toBe(200);
    expect((await both("/api/v1/articles/latest")).status).toBe(401);
    const writeOnly = await h.createKey(admin.token, { name: "w", scopes: ["articles:write"] });
    expect(await both("/api/v1/articles/latest", { "x-api-key": writeOnly.key })).toMatchObject({ status: 403, headers: { "x-ratelimit-limit": "100" } });
  });

  test("a caller's X-Request-Id is kept, and the access-log lines match", async () => {
    const { k } = await userWithKey();
    const tagged = { "x-api-key": k.key, "x-request-id": "trace-42" };
    expect((await fast(request("/api/auth/me", tagged))!).headers.get("x-request-id")).toBe("trace-42");
    await app.request("/api/auth/me", { headers: tagged });
    const lines = h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "request" && l.requestId === "trace-42");
    expect(lines).toHaveLength(2);
    const { time: _t1, ms: _m1, ...first } = lines[0];
    const { time: _t2, ms: _m2, ...second } = lines[1];
    expect(first).toEqual(second);
    expect(first).toMatchObject({ method: "GET", route: "/api/auth/me", status: 200, keyId: k.id, ip: "unknown" });
  });
});

describe("the client address, with and without a trusted proxy", () => {
  for (const trustProxy of [false, true]) {
    test(`allowlisted keys and X-Forwarded-For (ARGUS_TRUST_PROXY=${trustProxy})`, async () => {
      await h.close();
      h = await createHarness({ trustProxy });
      fast = createFastPath(h.core, createRequestIds(), mountTrpc(new OpenAPIHono<AppEnv>(), h.core));
      app = createApp(h.core, { fastPath: false });
      const { k } = await userWithKey({ name: "f", allowedIps: ["203.0.113.0/24"] });
      const cases = ["203.0.113.5", "198.51.100.1, 203.0.113.5", "203.0.113.5, 198.51.100.1", "203.0.113.5,", "nope", ""];
      for (const xff of cases) {
        const answer = await both("/api/auth/me", { "x-api-key": k.key, "x-forwarded-for": xff });
        const inside = trustProxy && (xff === "203.0.113.5" || xff.endsWith(", 203.0.113.5") || xff === "203.0.113.5,");
        expect({ xff, status: answer.status }).toEqual({ xff, status: inside ? 200 : 403 });
        await both("/trpc/auth.me", { "x-api-key": k.key, "x-forwarded-for": xff });
      }
    });
  }
});

describe("the access-log lines of both doors match", () => {
  test("every kind of answer: 200, 401, 403, 429, tRPC singles and batches, with and without a key", async () => {
    const admin = await h.signUp("admin");
    const { u, k } = await userWithKey();
    const writeOnly = await h.createKey(admin.token, { name: "w", scopes: ["articles:write"] });
    const limited = await h.createKey(u.token, { name: "l" });
    await h.request(`/api/admin/api-keys/${limited.id}`, { method: "PUT", token: admin.token, json: { rateLimit: 1 } });
    await fast(request("/api/auth/me", { "x-api-key": limited.key }));
    const cases: [string, Record<string, string>][] = [
      ["/api/health", {}],
      ["/api/auth/me", { "x-api-key": k.key }],
      ["/api/auth/me", { authorization: `Bearer ${u.token}` }],
      ["/api/auth/me", { authorization: "Basic x" }],
      ["/api/auth/me", { "x-api-key": k.key.slice(0, -4) + "aaaa" }],
      ["/api/auth/me", { "x-api-key": limited.key }],
      ["/api/v1/articles/latest?limit=3", { "x-api-key": writeOnly.key }],
      ["/api/v1/articles/latest", {}],
      ["/trpc/auth.me", { "x-api-key": k.key }],
      ["/trpc/auth.me", {}],
      ["/trpc/auth.me,articles.latest?batch=1", { authorization: `Bearer ${u.token}` }],
      ["/trpc/articles.latest,keys.list?batch=1", { "x-api-key": k.key }],
    ];
    const lines = () => h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    for (const [i, [path, headers]] of cases.entries()) {
      await fast(request(path, { ...headers, "x-request-id": `fast-${i}` }))!;
      await app.request(path, { headers: { ...headers, "x-request-id": `app-${i}` } });
      const strip = (l: Record<string, unknown> | undefined) => {
        if (!l) return l;
        const { time: _t, ms: _m, requestId: _r, ...rest } = l;
        return rest;
      };
      const a = lines().find((l) => l.requestId === `fast-${i}`);
      const b = lines().find((l) => l.requestId === `app-${i}`);
      expect({ path, line: strip(a) }).toEqual({ path, line: strip(b) });
    }
  });
});

describe("quota units and usage counts move alike through both doors", () => {
  for (const pooled of [false, true]) {
    test(`a quota key's sequence of answers, refunds included${pooled ? " (pooled: exact leases)" : ""}`, async () => {
      await h.close();
      h = await createHarness({}, { pooled });
      fast = createFastPath(h.core, createRequestIds(), mountTrpc(new OpenAPIHono<AppEnv>(), h.core));
      app = createApp(h.core, { fastPath: false });
      const admin = await h.signUp("admin");
      const make = () => h.createKey(admin.token, { name: "q", scopes: ["articles:write"], quota: { limit: 3, period: "day" } });
      const [a, b] = [await make(), await make()];
      const seq = ["/api/auth/me", "/api/v1/articles/latest", "/api/auth/me", "/api/v1/articles/latest", "/api/auth/me", "/api/auth/me", "/api/auth/me"];
      const answers = async (door: (path: string, key: string) => Response | Promise<Response>, key: string) => {
        const out: unknown[] = [];
        for (const path of seq) {
          const res = await door(path, key);
          out.push([path, res.status, res.headers.get("x-quota-remaining"), res.headers.get("x-ratelimit-remaining"), ((await res.json()) as { code?: string }).code]);
        }
        return out;
      };
      const viaFast = await answers((path, key) => fast(request(path, { "x-api-key": key }))!, a.key);
      const viaApp = await answers((path, key) => app.request(path, { headers: { "x-api-key": key } }), b.key);
      expect(viaFast).toEqual(viaApp);
      expect(viaFast.at(-1)).toEqual(["/api/auth/me", 429, "0", "93", "QUOTA_EXCEEDED"]);
      const usage = async (id: string) => {
        const res = await h.request(`/api/admin/api-keys/${id}/usage`, { token: admin.token });
        const body = (await res.json()) as { data: { totals: unknown } };
        return body.data.totals;
      };
      expect(await usage(a.id)).toEqual(await usage(b.id));
      expect(await usage(a.id)).toMatchObject({ ok: 3, forbidden: 2, quotaExceeded: 2 });
    });
  }
});

describe("GET tRPC queries through the fast path", () => {
  test("auth.me, articles.latest with input, a batch, and a refused call answer as the app does", async () => {
    const { u, k } = await userWithKey();
    const input = encodeURIComponent(JSON.stringify({ json: { limit: 5 } }));
    expect(await both("/trpc/auth.me", { "x-api-key": k.key })).toMatchObject({ status: 200, body: { result: { data: { json: { id: u.user.id } } } } });
    expect((await both(`/trpc/articles.latest?input=${input}`, { "x-api-key": k.key })).body).toMatchObject({ result: { data: { json: [] } } });
    const batch = await both("/trpc/auth.me,articles.latest?batch=1", { authorization: `Bearer ${u.token}` });
    expect(batch).toMatchObject({ status: 200, body: [{ result: {} }, { result: {} }], headers: { vary: "trpc-accept, accept" } });
    expect(await both("/trpc/auth.me")).toMatchObject({ status: 401, body: { error: { json: { data: { code: "UNAUTHORIZED" } } } } });
  });

  // auth.me and articles.latest, as tRPC's client spells them, are decided by the fast path itself (the hot routes'
  // steps, tRPC's shapes); the app answers them through tRPC's procedure machinery. Every outcome must match.
  const enc = (v: unknown) => encodeURIComponent(JSON.stringify(v));
  const undef = { json: null, meta: { values: ["undefined"], v: 1 } };
  const HOT_CALLS = [
    "/trpc/auth.me", `/trpc/auth.me?input=${enc(undef)}`, "/trpc/auth.me?batch=1", `/trpc/auth.me?batch=1&input=${enc({ 0: undef })}`,
    "/trpc/articles.latest", `/trpc/articles.latest?input=${enc({ json: { limit: 2 } })}`, `/trpc/articles.latest?input=${enc({ json: {} })}`,
    `/trpc/articles.latest?batch=1&input=${enc({ 0: { json: { limit: 100 } } })}`, `/trpc/articles.latest?batch=1&input=${enc({ 0: undef })}`,
  ];

  test("hot calls: every spelling tRPC's client sends, with a key, a JWT, no credential and bad ones", async () => {
    const admin = await h.signUp("admin");
    for (let i = 0; i < 3; i++) {
      await h.request("/api/v1/articles", { method: "POST", token: admin.token, json: { title: `A${i}`, url: `https://e.com/${i}`, source: "S", publishedAt: new Date(Date.UTC(2026, 0, i + 1)).toISOString() } });
    }
    const { u, k } = await userWithKey();
    const revoked = await h.createKey(u.token, { name: "r" });
    await h.request(`/api/keys/${revoked.id}`, { method: "DELETE", token: u.token });
    const writeOnly = await h.createKey(admin.token, { name: "w", scopes: ["articles:write"] });
    const fenced = (await userWithKey({ name: "f", allowedIps: ["203.0.113.0/24"] })).k;
    const credentials: [string, Record<string, string>, number, number][] = [
      // name, headers, status of auth.me, status of articles.latest
      ["key", { "x-api-key": k.key }, 200, 200],
      ["JWT", { authorization: `Bearer ${u.token}` }, 200, 200],
      ["none", {}, 401, 401],
      ["bad token", { authorization: "Bearer nope" }, 401, 401],
      ["unknown key", { "x-api-key": k.key.slice(0, -4) + "aaaa" }, 401, 401],
      ["revoked key", { "x-api-key": revoked.key }, 401, 401],
      ["write-only key", { "x-api-key": writeOnly.key }, 200, 403],
      ["allowlisted key from elsewhere", { "x-api-key": fenced.key }, 403, 403],
    ];
    for (const target of HOT_CALLS) {
      expect(isHotTrpcCall(target)).toBe(true);
      for (const [name, headers, me, latest] of credentials) {
        const got = await both(target, headers);
        const want = target.includes("auth.me") ? me : latest;
        // Bad credentials (and keys used from outside their allowlist) from one address soon meet the invalid-use
        // throttle: a 429 then, from both doors alike.
        const allowed = (want === 401 && name !== "none") || name.startsWith("allowlisted") ? [want, 429] : [want];
        expect({ target, name, allowed: allowed.includes(got.status) }).toEqual({ target, name, allowed: true });
      }
    }
    const single = await both(`/trpc/articles.latest?input=${enc({ json: { limit: 2 } })}`, { "x-api-key": k.key });
    expect(single).toMatchObject({ body: { result: { data: { json: [{ title: "A2" }, { title: "A1" }] } } }, headers: { vary: "trpc-accept, accept", "x-ratelimit-limit": "100" } });
    const batch = await both(`/trpc/articles.latest?batch=1&input=${enc({ 0: undef })}`, { "x-api-key": k.key });
    expect(batch.body).toMatchObject([{ result: { data: { json: [{ title: "A2" }, { title: "A1" }, { title: "A0" }] } } }]);
    const forbidden = await both("/trpc/articles.latest?batch=1", { "x-api-key": writeOnly.key });
    expect(forbidden).toMatchObject({ status: 403, body: [{ error: { json: { data: { code: "FORBIDDEN" } } } }], headers: { "x-ratelimit-limit": "100" } });
    // Other spellings of the same call are the generic door's, which reads them as tRPC does.
    for (const other of [`/trpc/auth.me?input=${enc({ json: {} })}`, `/trpc/articles.latest?input=${enc({ json: { limit: "2" } })}`, "/trpc/articles.latest?input=%7b%7d"]) {
      expect(isHotTrpcCall(other)).toBe(false);
    }
  });

  test("hot calls: a rate-limited key, a spent quota, refunds and usage counts, and the log lines", async () => {
    const admin = await h.signUp("admin");
    const limited = (await userWithKey()).k;
    await h.request(`/api/admin/api-keys/${limited.id}`, { method: "PUT", token: admin.token, json: { rateLimit: 1 } });
    expect((await fast(request("/trpc/auth.me?batch=1", { "x-api-key": limited.key }))!).status).toBe(200);
    const refused = await both("/trpc/auth.me?batch=1", { "x-api-key": limited.key });
    expect(refused).toMatchObject({ status: 429, body: [{ error: { json: { data: { code: "TOO_MANY_REQUESTS", retryAfter: 60 } } } }], headers: { "retry-after": "60" } });

    // Two quota keys, one asked through each door, the same sequence: the same answers, units and usage.
    const make = () => h.createKey(admin.token, { name: "q", scopes: ["articles:write"], quota: { limit: 2, period: "day" } });
    const [a, b] = [await make(), await make()];
    const seq = ["/trpc/auth.me", "/trpc/articles.latest", "/trpc/auth.me?batch=1", "/trpc/articles.latest?batch=1", "/trpc/auth.me"];
    const answers = async (door: (path: string, key: string, id: string) => Response | Promise<Response>, key: { key: string; id: string }) => {
      const out: unknown[] = [];
      for (const [i, path] of seq.entries()) {
        const res = await door(path, key.key, `q-${i}`);
        const text = (await res.text()).replaceAll(key.id, "(id)").replaceAll(key.key.slice(0, 8), "(prefix)");
        out.push([path, res.status, res.headers.get("x-quota-remaining"), res.headers.get("retry-after"), text]);
      }
      return out;
    };
    const viaFast = await answers((path, key, id) => fast(request(path, { "x-api-key": key, "x-request-id": `f${id}` }))!, a);
    const viaApp = await answers((path, key, id) => app.request(path, { headers: { "x-api-key": key, "x-request-id": `a${id}` } }), b);
    expect(viaFast).toEqual(viaApp);
    expect(viaFast.map((r) => (r as unknown[]).slice(1, 3))).toEqual([[200, "1"], [403, "1"], [200, "0"], [429, "0"], [429, "0"]]);
    const usage = async (id: string) => ((await (await h.request(`/api/admin/api-keys/${id}/usage`, { token: admin.token })).json()) as { data: { totals: unknown } }).data.totals;
    expect(await usage(a.id)).toEqual(await usage(b.id));
    expect(await usage(a.id)).toMatchObject({ ok: 2, forbidden: 1, quotaExceeded: 2 });
    const lines = h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    for (const i of seq.keys()) {
      const line = (door: string) => {
        const { time: _t, ms: _m, requestId: _r, keyId: _k, keyPrefix: _p, ...rest } = lines.find((l) => l.requestId === `${door}q-${i}`);
        return rest;
      };
      expect(line("f")).toEqual(line("a"));
    }
    expect(lines.find((l) => l.requestId === "fq-3")).toMatchObject({ route: "/trpc/articles.latest", status: 429, code: "QUOTA_EXCEEDED" });
  });

  test("hot calls: a result that cannot be written is the app's 500, charged and counted as the generic door does", async () => {
    const admin = await h.signUp("admin");
    const make = () => h.createKey(admin.token, { name: "q", quota: { limit: 5, period: "day" } });
    const [a, b] = [await make(), await make()];
    // The generic door settles the call (200: the unit stays spent) before it writes the answer, and a write that
    // throws rejects its answer: the app's onError then answers the opaque 500, without the call's headers.
    const articles = h.core.articles as { latest: (...args: unknown[]) => unknown };
    const latest = articles.latest;
    articles.latest = () => ({
      toJSON() {
        throw new Error("boom");
      },
    });
    expect(isHotTrpcCall("/trpc/articles.latest?batch=1")).toBe(true);
    const quick = await fast(request("/trpc/articles.latest?batch=1", { "x-api-key": a.key, "x-request-id": "unw-f" }))!;
    const plain = await app.request("/trpc/articles.latest?batch=1", { headers: { "x-api-key": b.key, "x-request-id": "unw-a" } });
    expect(await read(quick)).toEqual(await read(plain));
    expect(await read(await fast(request("/trpc/articles.latest", { "x-api-key": a.key }))!)).toMatchObject({ status: 500, body: { code: "INTERNAL" } });
    await app.request("/trpc/articles.latest", { headers: { "x-api-key": b.key } });
    articles.latest = latest;
    const after = async (res: Response | Promise<Response>) => (await res).headers.get("x-quota-remaining");
    expect(await after(fast(request("/trpc/auth.me", { "x-api-key": a.key }))!)).toBe("2");
    expect(await after(app.request("/trpc/auth.me", { headers: { "x-api-key": b.key } }))).toBe("2");
    const usage = async (id: string) => ((await (await h.request(`/api/admin/api-keys/${id}/usage`, { token: admin.token })).json()) as { data: { totals: unknown } }).data.totals;
    expect(await usage(a.id)).toEqual(await usage(b.id));
    const logs = h.logs.map((l) => JSON.parse(l));
    const of = (msg: string, id: string) => {
      const { time: _t, ms: _m, requestId: _r, stack: _s, keyId: _k, keyPrefix: _p, ...rest } = logs.find((l) => l.msg === msg && l.requestId === id) ?? {};
      return rest;
    };
    expect(of("unhandled error", "unw-f")).toEqual(of("unhandled error", "unw-a"));
    expect(of("unhandled error", "unw-f")).toMatchObject({ route: "(unmatched)", message: "boom" });
    expect(of("request", "unw-f")).toEqual(of("request", "unw-a"));
    expect(of("request", "unw-f")).toMatchObject({ route: "/trpc/articles.latest", status: 500, code: "INTERNAL" });
    expect(logs.filter((l) => l.msg === "trpc error")).toEqual([]);
  });

  test("hot calls: a credential check that fails unexpectedly is answered and logged as the generic door does", async () => {
    const u = await h.signUp();
    // createContext rethrows what is not an AppError: the calls fail with it, and answerMeta, with no context,
    // notes no failure (the log line's code is then the status's).
    (h.core.users as { authenticateToken: (token: string) => unknown }).authenticateToken = () => {
      throw new Error("disk I/O error");
    };
    for (const [i, target] of ["/trpc/auth.me", "/trpc/articles.latest?batch=1"].entries()) {
      const headers = { authorization: `Bearer ${u.token}` };
      expect(await both(target, headers)).toMatchObject({ status: 500 });
      await fast(request(target, { ...headers, "x-request-id": `ctx-f${i}` }));
      await app.request(target, { headers: { ...headers, "x-request-id": `ctx-a${i}` } });
      const line = (id: string) => {
        const { time: _t, ms: _m, requestId: _r, ...rest } = h.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "request" && l.requestId === id);
        return rest;
      };
      expect(line(`ctx-f${i}`)).toEqual(line(`ctx-a${i}`));
      expect(line(`ctx-f${i}`)).toMatchObject({ status: 500, code: "INTERNAL" });
    }
  });

  test("the access-log line names the procedures; unknown ones and cookies are the app's", async () => {
    const { k } = await userWithKey();
    await fast(request("/trpc/auth.me", { "x-api-key": k.key, "x-request-id": "t-1" }));
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === "t-1");
    expect(line).toMatchObject({ route: "/trpc/auth.me", status: 200, keyId: k.id });
    expect(fast(request("/trpc/auth.nope", { "x-api-key": k.key }))).toBeNull();
    expect(fast(request("/trpc/auth.me", { "x-api-key": k.key, cookie: "a=b" }))).toBeNull();
    expect(fast(request("/trpc/auth.me?batch=1&x=2", { "x-api-key": k.key }))).toBeNull();
  });
});

describe("what the fast path leaves to the app", () => {
  test("other methods, other paths, bodies, cookies and unusual queries return null before any side effect", async () => {
    const { k } = await userWithKey();
    const key = { "x-api-key": k.key };
    expect(fast(request("/api/health", {}, "HEAD"))).toBeNull();
    expect(fast(request("/api/health/"))).toBeNull();
    expect(fast(request("/api/%68ealth"))).toBeNull();
    expect(fast(request("/api/auth/me", { ...key, cookie: "argus_session=x" }))).toBeNull();
    expect(fast(request("/api/auth/me", { ...key, "content-length": "0" }))).toBeNull();
    for (const q of ["limit=0", "limit=101", "limit=05", "limit=5&x=1", "limit=5&limit=6", "cursor=x"]) {
      expect(fast(request(`/api/v1/articles/latest?${q}`, key))).toBeNull();
    }
    // None of those spent a token: the next answer still has 99 of 100 left after its own.
    const res = await fast(request("/api/auth/me", key))!;
    expect(res.headers.get("x-ratelimit-remaining")).toBe("99");
    // And the app answers them as before: a bad limit is its 400.
    expect((await h.request("/api/v1/articles/latest?limit=0", { apiKey: k.key })).status).toBe(400);
  });

  test("a request whose Host is empty or not a host (Bun then gives a relative URL) is the app's, and spends nothing", async () => {
    const { k } = await userWithKey();
    const appAlone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
    const server = listen(h);
    try {
      // Hono reads `/x/api/auth/me` (URL "/x/api/auth/me") as the path "/auth/me": a 404 that charges no key.
      for (const [target, host] of [["/x/api/auth/me", ""], ["/x/api/health", "a/b"], ["/x/trpc/auth.me", ""], ["/ab/api/v1/articles/latest?limit=1", ""]]) {
        const text = `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nX-API-Key: ${k.key}\r\nConnection: close\r\n\r\n`;
        const { status, body } = await rawStatus(server.server.port!, text);
        const plain = await rawStatus(appAlone.port!, text);
        expect({ target, status, body }).toEqual({ target, status: plain.status, body: plain.body });
      }
      const res = await fast(request("/api/auth/me", { "x-api-key": k.key }))!;
      expect(res.headers.get("x-ratelimit-remaining")).toBe(String(100 - 1 - 2)); // its own and the app's /ab/api/v1 one
    } finally {
      server.stop();
      appAlone.stop(true);
    }
  });

  test("a tRPC query left to the app takes no request id of its own", async () => {
    // The ids are `<prefix>-<n>` from one counter: a null answer must not have moved it.
    const ids = createRequestIds();
    const door = createFastPath(h.core, ids, mountTrpc(new OpenAPIHono<AppEnv>(), h.core));
    expect(door(request("/trpc/auth.nope"))).toBeNull();
    expect(door(request("/trpc/auth.me?x=1"))).toBeNull();
    expect(door(request("/trpc/auth.me", { accept: "application/jsonl" }))).toBeNull();
    const res = await door(request("/api/health"))!;
    expect(res.headers.get("x-request-id")).toMatch(/-1$/);
  });

  test("a tRPC answer that fails unexpectedly is answered and logged as the app answers and logs it", async () => {
    const { k } = await userWithKey();
    // A fault where the tRPC door writes its answer (after the call: the result cannot be serialized), so its
    // promise rejects.
    const articles = h.core.articles as { latest: (...a: unknown[]) => unknown };
    articles.latest = () => ({
      toJSON() {
        throw new Error("boom");
      },
    });
    // An input spelling the hot calls do not take, so tRPC's own door answers it on both sides.
    const target = `/trpc/articles.latest?input=${encodeURIComponent('{"json":{"limit": 3}}')}`;
    expect(isHotTrpcCall(target)).toBe(false);
    const quick = await fast(request(target, { "x-api-key": k.key, "x-request-id": "boom-f" }))!;
    const plain = await app.request(target, { headers: { "x-api-key": k.key, "x-request-id": "boom-a" } });
    expect(await read(quick)).toEqual(await read(plain));
    expect(quick.status).toBe(500);
    const logs = h.logs.map((l) => JSON.parse(l));
    const of = (msg: string, id: string) => {
      const { time: _t, ms: _m, requestId: _r, stack: _s, ...rest } = logs.find((l) => l.msg === msg && l.requestId === id) ?? {};
      return rest;
    };
    expect(of("unhandled error", "boom-f")).toEqual(of("unhandled error", "boom-a"));
    expect(of("unhandled error", "boom-f")).toMatchObject({ msg: "unhandled error", message: "boom" });
    expect(of("request", "boom-f")).toEqual(of("request", "boom-a"));
    expect(of("request", "boom-f")).toMatchObject({ route: "/trpc/articles.latest", status: 500, code: "INTERNAL" });
  });

  test("on the wire: the same status line, headers and body bytes, odd request shapes included", async () => {
    const { u, k } = await userWithKey();
    const appAlone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
    const server = listen(h);
    const wire = async (port: number, text: string) => {
      const { status, body, head } = await rawStatus(port, text);
      const headers = head.split("\r\n").slice(1).map((l) => l.toLowerCase()).filter((l) => !/^(date|x-request-id|x-ratelimit-remaining|x-ratelimit-reset|ratelimit):/.test(l)).sort();
      return { status, headers, body };
    };
    try {
      const targets = [
        ["/api/health", ""], ["/api/health?x=1&x=2", ""], ["/api/auth/me", `X-API-Key: ${k.key}\r\n`],
        ["/api/auth/me", `Authorization: Bearer ${u.token}\r\nAuthorization: Bearer ${u.token}\r\n`],
        ["/api/auth/me", `X-API-Key: ${k.key}\r\nX-API-Key: ${k.key}\r\n`], ["/api/auth/me", `Authorization: bearer   ${u.token}  \r\n`],
        ["/api/v1/articles/latest?limit=7", `X-API-Key: ${k.key}\r\n`], ["/api/v1/articles/latest", `X-Request-Id: a b\r\nX-API-Key: ${k.key}\r\n`],
        ["http://elsewhere.example/api/auth/me", `X-API-Key: ${k.key}\r\n`], ["/trpc/auth.me", `X-API-Key: ${k.key}\r\n`],
        ["/trpc/auth.me,articles.latest?batch=1", `X-API-Key: ${k.key}\r\n`], ["/api/v1/articles/latest?", `X-API-Key: ${k.key}\r\n`],
        ["/api/auth/me?", `X-API-Key: ${k.key}\r\n`], ["/api/auth/me", `X-API-Key: ${k.key}\r\nAuthorization: \r\n`],
        ["/trpc/auth.me?input=&batch=1", `X-API-Key: ${k.key}\r\n`], ["/api/auth/me", `X-API-Key: ${k.key}\r\nContent-Type: text/plain\r\n`],
        ["/api/v1/articles/latest", `X-API-Key: ${k.key}\r\nX-HTTP-Method-Override: DELETE\r\nOrigin: https://evil.example\r\n`], ["/trpc/auth.me?batch=1&batch=1", `X-API-Key: ${k.key}\r\n`],
      ];
      for (const [target, extra] of targets) {
        const text = `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${extra}Connection: close\r\n\r\n`;
        expect({ target, ...(await wire(server.server.port!, text)) }).toEqual({ target, ...(await wire(appAlone.port!, text)) });
      }
    } finally {
      server.stop();
      appAlone.stop(true);
    }
  });

  test("X-Forwarded-For from a loopback peer without ARGUS_TRUST_PROXY is warned about once, whichever door reads it", async () => {
    const server = listen(h);
    try {
      const headers = { "x-forwarded-for": "203.0.113.5" };
      expect((await fetch(`${server.url}/api/health`, { headers })).status).toBe(200); // the fast path
      expect((await fetch(`${server.url}/api/openapi.json`, { headers })).status).toBe(200); // the app
      expect((await fetch(`${server.url}/api/health`, { headers })).status).toBe(200);
      const warnings = h.logs.map((l) => JSON.parse(l)).filter((l) => l.level === "warn" && String(l.msg).includes("X-Forwarded-For"));
      expect(warnings).toHaveLength(1);
    } finally {
      server.stop();
    }
  });

  test("over a real socket the server's app goes through it, with the peer's address in the log", async () => {
    const server = listen(h);
    try {
      const res = await fetch(`${server.url}/api/health`, { headers: { "x-request-id": "sock-1" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-request-id")).toBe("sock-1");
      const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === "sock-1");
      expect(line).toMatchObject({ route: "/api/health", status: 200, ip: "127.0.0.1" });
    } finally {
      server.stop();
    }
  });
});
