import { afterAll, afterEach, beforeAll, beforeEach, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";
import { describeRedis, skipRedis, startRedis, type RedisServer } from "../support/redis.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The same login throttling with the buckets in Redis (ARGUS_REDIS_URL), as with several workers: refunds,
// soft limits and waiting for attempts in flight work against the shared store too.
let redis: RedisServer;
let h: Harness;
beforeAll(async () => {
  if (!skipRedis) redis = await startRedis();
});
afterAll(async () => redis?.stop());
beforeEach(async () => {
  if (!skipRedis) h = await createHarness({ redisUrl: redis.url, trustProxy: true });
});
afterEach(async () => h?.close());

const login = (from: string, email: string, password: string) =>
  h.request("/api/auth/login", { method: "POST", json: { email, password }, headers: { "x-forwarded-for": from } });
const count = (list: number[], status: number) => list.filter((s) => s === status).length;

describeRedis("login throttling on the Redis store", () => {
  test("attackers from A and B cannot lock the owner out; their own addresses are refused", async () => {
    const victim = await h.signUp();
    for (let i = 0; i < 10; i++) expect((await login("10.0.0.1", victim.email, `guess-${i}`)).status).toBe(401);
    expect((await login("10.0.0.1", victim.email, victim.password)).status).toBe(429);
    expect((await login("10.0.0.2", victim.email, "guess")).status).toBe(401);
    expect((await login("10.0.0.2", victim.email, "guess again")).status).toBe(429);
    expect((await login("192.0.2.7", victim.email, victim.password)).status).toBe(200);
  });

  test("concurrent right passwords all get 200; concurrent wrong ones stop at exactly 10", async () => {
    const u = await h.signUp();
    const right = await Promise.all(Array.from({ length: 25 }, () => login("10.0.0.1", u.email, u.password)));
    expect(right.map((r) => r.status)).toEqual(Array(25).fill(200));
    const wrong = (await Promise.all(Array.from({ length: 30 }, (_, i) => login("10.0.0.1", u.email, `wrong-${i}`)))).map((r) => r.status);
    expect([count(wrong, 401), count(wrong, 429)]).toEqual([10, 20]);
  });
});
