import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { RedisClient } from "bun";
import { createLogger } from "../../server/logger.ts";
import { decide } from "../../server/core/ratelimit/bucket.ts";
import { createRedisStore, type RedisStore } from "../../server/core/ratelimit/redis.ts";
import { describeRedis, skipRedis, startRedis, type RedisServer } from "../support/redis.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const WINDOW = 60_000;
const silent = createLogger("silent");
let redis: RedisServer;
let raw: RedisClient; // inspects and seeds buckets behind the store's back
const stores: RedisStore[] = [];

beforeAll(async () => {
  if (skipRedis) return;
  redis = await startRedis();
  raw = new RedisClient(redis.url);
  await raw.connect();
});
afterAll(async () => {
  for (const s of stores) s.close();
  raw?.close();
  await redis?.stop();
});

function store(logger = silent) {
  const s = createRedisStore({ url: redis.url, logger });
  stores.push(s);
  return s;
}

const redisNow = async () => {
  const [s, us] = (await raw.send("TIME", [])) as [string, string];
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
};

describeRedis("redis rate-limit store", () => {
  test("spends tokens like the in-memory bucket and denies when empty", async () => {
    const s = store();
    const before = await redisNow();
    const first = await s.consume("key:maths", 5);
    expect(first).toMatchObject({ allowed: true, limit: 5, remaining: 4, retryAfter: 0 });
    expect(first.resetAt).toBeGreaterThanOrEqual(before + 12_000); // one token is 12 s at 5/min
    expect(first.resetAt).toBeLessThan(before + 13_000);
    for (const remaining of [3, 2, 1, 0]) expect(await s.consume("key:maths", 5)).toMatchObject({ remaining });
    const denied = await s.consume("key:maths", 5);
    expect(denied).toMatchObject({ allowed: false, remaining: 0 });
    expect(denied.retryAfter).toBeGreaterThanOrEqual(11);
    expect(denied.retryAfter).toBeLessThanOrEqual(12);
    const pttl = Number(await raw.send("PTTL", ["argus:rl:key:maths"]));
    expect(pttl).toBeGreaterThan(59_000); // expires when it would be full anyway
    expect(pttl).toBeLessThanOrEqual(WINDOW);
  });

  test("a negative cost refunds a spent token, never above capacity", async () => {
    const s = store();
    for (let i = 0; i < 3; i++) await s.consume("login:refund", 3, WINDOW, 1);
    expect(await s.consume("login:refund", 3, WINDOW, 0)).toMatchObject({ allowed: false });
    expect(await s.consume("login:refund", 3, WINDOW, -1)).toMatchObject({ allowed: true });
    expect(await s.consume("login:refund", 3, WINDOW, 1)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await s.consume("login:fresh", 3, WINDOW, -1)).toMatchObject({ allowed: true, remaining: 3 });
  });

  test("refills from the saved timestamp, clamps to a lowered limit, and a peek stores nothing", async () => {
    const s = store();
    const now = await redisNow();
    // 1.2 s ago with 0 tokens: 2 tokens back at 100/min.
    await raw.send("HSET", ["argus:rl:key:refill", "tokens", "0", "ts", String(now - 1_200)]);
    expect(await s.consume("key:refill", 100)).toMatchObject({ allowed: true, remaining: 1 });
    await raw.send("HSET", ["argus:rl:key:lowered", "tokens", "80", "ts", String(now)]);
    expect(await s.consume("key:lowered", 10)).toMatchObject({ allowed: true, limit: 10, remaining: 9 });
    expect(await s.consume("key:peeked", 100, WINDOW, 0)).toMatchObject({ allowed: true, remaining: 100 });
    expect(await raw.exists("argus:rl:key:peeked")).toBe(false);
  });

  test("matches decide() for a bucket stamped ahead of Redis time (a backwards clock refills nothing)", async () => {
    const s = store();
    const ts = (await redisNow()) + 5_000;
    for (const [tokens, limit, cost] of [[2.5, 7, 1], [0.25, 100, 1], [50, 100, 0], [3, 100, 3]] as const) {
      const key = `key:skew:${tokens}:${limit}:${cost}`;
      await raw.send("HSET", [`argus:rl:${key}`, "tokens", String(tokens), "ts", String(ts)]);
      const got = await s.consume(key, limit, WINDOW, cost);
      const want = decide({ tokens, updatedAt: ts }, limit, ts, WINDOW, cost).decision;
      expect({ ...got, retryAfter: 0 }).toEqual({ ...want, retryAfter: 0 }); // retryAfter also counts the 5 s gap
      expect(got.retryAfter).toBe(want.allowed ? 0 : want.retryAfter + 5);
    }
  });

  test("reloads its script when Redis's script cache was flushed", async () => {
    const s = store();
    expect((await s.consume("key:flush", 5)).remaining).toBe(4);
    await raw.send("SCRIPT", ["FLUSH"]);
    expect((await s.consume("key:flush", 5)).remaining).toBe(3);
    expect(s.health()).toBe("ok");
  });

  test("a concurrent burst through two store instances on one Redis lets exactly the limit through", async () => {
    // Redis's own clock refills: 10 a minute is one token per 6 s, far longer than any burst takes here.
    const [a, b] = [store(), store()];
    const calls = Array.from({ length: 15 }, (_, i) => (i % 2 ? a : b).consume("key:shared", 10));
    const decisions = await Promise.all(calls);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfter >= 1)).toBe(true);
    expect(a.health()).toBe("ok");
  });

  test("fails open quickly when Redis is stopped, warns once, and recovers after a restart", async () => {
    const lines: string[] = [];
    const s = store(createLogger("warn", (l) => lines.push(l)));
    expect((await s.consume("key:outage", 2)).remaining).toBe(1);
    await redis.stop();

    for (let i = 0; i < 5; i++) {
      expect(await s.consume("key:outage", 2)).toMatchObject({ allowed: true, limit: 2, retryAfter: 0 });
    }
    expect(s.health()).toBe("degraded");
    expect(lines).toHaveLength(1);
    const warning = JSON.parse(lines[0]!);
    expect(warning).toMatchObject({ level: "warn", msg: "rate limit store unavailable; allowing requests" });

    redis = await startRedis({ port: redis.port });
    raw.close();
    raw = new RedisClient(redis.url);
    await raw.connect();
    // The store retries its connection at most once a second; this polls a reconnect, not a rate window.
    const deadline = Date.now() + 20_000;
    while (s.health() === "degraded" && Date.now() < deadline) {
      await s.consume("key:after", 1);
      await Bun.sleep(50);
    }
    expect(s.health()).toBe("ok");
    expect(await s.consume("key:after", 1)).toMatchObject({ allowed: false }); // limiting for real again
    expect(lines).toHaveLength(1);
  });

  test("a hung Redis does not hang the request: it fails open", async () => {
    const s = store();
    await s.consume("key:hung", 10);
    process.kill(redis.pid, "SIGSTOP");
    try {
      // A frozen Redis never answers, so this resolves only through the store's own timeout.
      expect(await s.consume("key:hung", 10)).toMatchObject({ allowed: true });
      expect(s.health()).toBe("degraded");
    } finally {
      process.kill(redis.pid, "SIGCONT");
    }
    const after = await s.consume("key:hung", 10);
    // The timed-out call was already on the wire, so Redis may run it on waking: spent or not, never twice.
    expect(after.allowed).toBe(true);
    expect([7, 8]).toContain(after.remaining);
    expect(s.health()).toBe("ok");
  });
});
