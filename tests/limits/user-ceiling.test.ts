import { afterAll, afterEach, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../client/index.ts";
import type { Config } from "../../server/config.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";
import { describeRedis, skipRedis, startRedis, type RedisServer } from "../support/redis.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const json = async (res: Response) => (await res.json()) as any;
let redis: RedisServer | undefined;
beforeAll(async () => {
  if (!skipRedis) redis = await startRedis();
});
afterAll(() => redis?.stop());

let h: Harness;
afterEach(() => h?.close());

// Slow refills (a key 10 a minute, a user 5): no test here runs long enough for a token to come back, so the
// counts are exact with Redis's own clock too.
const slow: Partial<Config> = { rateLimitPerMinute: 10, userRateLimitPerMinute: 5 };

/** The same scenarios on each store: in process, and Redis shared by workers. */
function ceilingSuite(name: string, describeFor: typeof describe, extra: () => Partial<Config>) {
  describeFor(`a user's keys share one ceiling (${name})`, () => {
    const boot = async () => (h = await createHarness({ ...slow, ...extra() }));
    const me = (key: string) => h.request("/api/auth/me", { apiKey: key });
    const keyLeft = async (id: string, limit = 10) =>
      (await h.core.deps.limiter.consume(`key:${id}`, limit, 60_000, 0)).remaining;

    test("8 concurrent requests over two keys of one user: exactly 5 pass, and the headers show the user's bucket", async () => {
      await boot();
      const u = await h.signUp();
      const [a, b] = [await h.createKey(u.token, { name: "a" }), await h.createKey(u.token, { name: "b" })];
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => me(i % 2 ? a.key : b.key)));
      const ok = responses.filter((r) => r.status === 200);
      const limited = responses.filter((r) => r.status === 429);
      expect(ok).toHaveLength(5);
      expect(ok.map((r) => r.headers.get("x-ratelimit-limit"))).toEqual(Array(5).fill("5"));
      expect(ok.map((r) => Number(r.headers.get("x-ratelimit-remaining"))).sort()).toEqual([0, 1, 2, 3, 4]);
      expect(limited).toHaveLength(3);
      expect(limited[0]!.headers.get("x-ratelimit-limit")).toBe("5");
      expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(11); // a token is 12 s at 5/min
      expect(await json(limited[0]!)).toMatchObject({ success: false, code: "TOO_MANY_REQUESTS", error: "Rate limit exceeded" });
      // The 3 refused requests spent nothing from the keys: 5 tokens gone from the two keys together.
      expect((await keyLeft(a.id)) + (await keyLeft(b.id))).toBe(15);
    });

    test("a key closer to empty speaks in the headers, and a request its key refuses spends nothing of the user's", async () => {
      await boot();
      const admin = await h.signUp("admin");
      const u = await h.signUp();
      const [a, b] = [await h.createKey(u.token, { name: "a" }), await h.createKey(u.token, { name: "b" })];
      await h.request(`/api/admin/api-keys/${a.id}`, { method: "PUT", token: admin.token, json: { rateLimit: 2 } });
      const first = [await me(a.key), await me(a.key), await me(a.key)];
      expect(first.map((r) => r.status)).toEqual([200, 200, 429]);
      expect(first.map((r) => r.headers.get("x-ratelimit-limit"))).toEqual(["2", "2", "2"]);
      expect(first.map((r) => r.headers.get("x-ratelimit-remaining"))).toEqual(["1", "0", "0"]);
      expect(Number(first[2]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(29); // the key's wait: 30 s at 2/min
      // The user's bucket lost 2, not 3: key b gets the 3 left, then the user's bucket refuses.
      const second = [await me(b.key), await me(b.key), await me(b.key), await me(b.key)];
      expect(second.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(second.map((r) => r.headers.get("x-ratelimit-remaining"))).toEqual(["2", "1", "0", "0"]);
      expect(second[3]!.headers.get("x-ratelimit-limit")).toBe("5");
      expect(await keyLeft(b.id)).toBe(7);
    });

    test("an admin sets a user's own ceiling (REST and tRPC); null returns to the default; bad values are 400", async () => {
      await boot();
      const admin = await h.signUp("admin");
      const u = await h.signUp();
      const { key } = await h.createKey(u.token);
      const put = (body: unknown) => h.request(`/api/admin/users/${u.user.id}`, { method: "PUT", token: admin.token, json: body });
      const set = await put({ rateLimit: 2 });
      expect(set.status).toBe(200);
      expect((await json(set)).data).toMatchObject({ id: u.user.id, rateLimit: 2 });
      const listed = await json(await h.request("/api/admin/users", { token: admin.token }));
      expect(listed.data.find((x: any) => x.id === u.user.id).rateLimit).toBe(2);
      const used = [await me(key), await me(key), await me(key)];
      expect(used.map((r) => r.status)).toEqual([200, 200, 429]);
      expect(used.map((r) => r.headers.get("x-ratelimit-limit"))).toEqual(["2", "2", "2"]);

      for (const rateLimit of [0, 1_000_001, 1.5, "10", -1]) {
        const bad = await put({ rateLimit });
        expect(bad.status).toBe(400);
        expect((await json(bad)).details).toContainEqual(expect.objectContaining({ field: "rateLimit" }));
      }
      expect(h.core.users.findById(u.user.id)!.rateLimit).toBe(2); // nothing changed

      const srv = listen(h);
      try {
        const client = createArgusClient({ url: srv.url, token: admin.token });
        const cleared = await client.admin.users.update.mutate({ id: u.user.id, data: { rateLimit: null } });
        expect(cleared.rateLimit).toBeNull();
      } finally {
        srv.stop();
      }
      expect(h.core.users.findById(u.user.id)!.rateLimit).toBeNull();
      // The default ceiling (5) applies at once; the bucket is still empty from the 2 just spent.
      const after = await me(key);
      expect(after.status).toBe(429);
      expect(after.headers.get("x-ratelimit-limit")).toBe("5");
    });

    test("tRPC calls are charged to the same ceiling: a batch over a second key gets only what is left", async () => {
      await boot();
      const u = await h.signUp();
      const [a, b] = [await h.createKey(u.token, { name: "a" }), await h.createKey(u.token, { name: "b" })];
      for (let i = 0; i < 3; i++) expect((await me(a.key)).status).toBe(200);
      const srv = listen(h);
      try {
        const client = createArgusClient({ url: srv.url, apiKey: b.key });
        const results = await Promise.allSettled([1, 2, 3, 4].map(() => client.auth.me.query()));
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        expect(rejected.map((r) => r.reason.data.code)).toEqual(["TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);
        expect(rejected[0]!.reason.data.retryAfter).toBeGreaterThanOrEqual(11);
      } finally {
        srv.stop();
      }
    });
  });
}

ceilingSuite("memory", describe, () => ({}));
ceilingSuite("Redis", describeRedis, () => ({ redisUrl: redis!.url }));

describe("the default ceiling", () => {
  const burst = async (overrides: Partial<Config>, n: number, userLimit?: number) => {
    h = await createHarness({ rateLimitPerMinute: 100_000, ...overrides });
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const { key } = await h.createKey(u.token);
    if (userLimit) await h.request(`/api/admin/users/${u.user.id}`, { method: "PUT", token: admin.token, json: { rateLimit: userLimit } });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < n; i++) statuses.push((last = await h.request("/api/auth/me", { apiKey: key })).status);
    return { passed: statuses.filter((s) => s === 200).length, last: last! };
  };

  test("is 1000 a minute per user (ARGUS_USER_RATE_LIMIT_PER_MINUTE)", async () => {
    const { passed, last } = await burst({}, 1001);
    expect(passed).toBe(1000);
    expect(last.status).toBe(429);
    expect(last.headers.get("x-ratelimit-limit")).toBe("1000");
  });

  test("0 turns it off; a user's own ceiling still applies", async () => {
    const off = await burst({ userRateLimitPerMinute: 0 }, 1001);
    expect(off.passed).toBe(1001);
    expect(off.last.headers.get("x-ratelimit-limit")).toBe("100000");
    await h.close();
    const own = await burst({ userRateLimitPerMinute: 0 }, 4, 3);
    expect(own.passed).toBe(3);
    expect(own.last.headers.get("x-ratelimit-limit")).toBe("3");
  });
});
