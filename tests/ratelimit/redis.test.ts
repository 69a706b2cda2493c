import { afterAll, afterEach, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
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
// Each test's stores go with it, so none is left reconnecting while a later one counts connections.
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});
afterAll(async () => {
  raw?.close();
  await redis?.stop();
});

function store(logger = silent, pingEveryMs?: number) {
  const s = createRedisStore({ url: redis.url, logger, pingEveryMs });
  stores.push(s);
  return s;
}

const redisNow = async () => {
  const [s, us] = (await raw.send("TIME", [])) as [string, string];
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
};

/** Connections Redis has accepted so far: unchanged means nobody dropped and re-opened one. */
const connectionsReceived = async () => {
  const info = (await raw.send("INFO", ["stats"])) as string;
  return Number(/total_connections_received:(\d+)/.exec(info)![1]);
};

/** Holds the event loop, as a long synchronous job would. */
function busyWait(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

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

  test("consumeAll spends from every bucket or, when one denies, from none", async () => {
    const s = store();
    const both = [{ key: "key:all:a", limit: 5 }, { key: "user:all:u", limit: 2 }];
    expect(await s.consumeAll(both)).toMatchObject([{ allowed: true, remaining: 4 }, { allowed: true, remaining: 1 }]);
    expect(await s.consumeAll(both)).toMatchObject([{ allowed: true, remaining: 3 }, { allowed: true, remaining: 0 }]);
    const denied = await s.consumeAll(both);
    expect(denied.map((d) => d.allowed)).toEqual([true, false]);
    expect(denied[1]!.retryAfter).toBeGreaterThanOrEqual(29); // one token is 30 s at 2/min
    // The refused request left the key's bucket where it was: 3 tokens, so a peek still sees 3.
    expect(await s.consume("key:all:a", 5, WINDOW, 0)).toMatchObject({ remaining: 3 });
    expect(Number(await raw.hget("argus:rl:key:all:a", "tokens"))).toBeCloseTo(3, 2);
  });

  test("a blocked event loop neither fails open nor closes a healthy connection", async () => {
    const s = store();
    await s.ready!();
    const before = await connectionsReceived();
    for (let round = 0; round < 4; round++) {
      const calls = Array.from({ length: 20 }, () => s.consume(`key:blocked:${round}`, 10));
      // The commands are on the wire; their replies arrive while the loop is stuck here, past the 200 ms timeout.
      busyWait(300);
      const decisions = await Promise.all(calls);
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
      expect(Number(await raw.hget(`argus:rl:key:blocked:${round}`, "tokens"))).toBeLessThan(1);
      expect(s.health()).toBe("ok");
    }
    expect(await connectionsReceived()).toBe(before); // the store never dropped and re-opened its connection
  });

  test("with Redis stopped it limits per process (a limit-3 key gets 3), warns once, and comes back after a restart", async () => {
    const lines: string[] = [];
    const s = store(createLogger("info", (l) => lines.push(l)), 100);
    await s.ready!();
    expect(s.health()).toBe("ok");
    expect((await s.consume("key:outage", 3)).remaining).toBe(2);
    await redis.stop();

    const during = [];
    for (let i = 0; i < 5; i++) during.push(await s.consume("key:outage", 3));
    // This process's own bucket starts full: 3 allowed, then refused with a real wait.
    expect(during.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
    expect(during[4]).toMatchObject({ limit: 3, remaining: 0 });
    expect(during[4]!.retryAfter).toBeGreaterThanOrEqual(19);
    expect(s.health()).toBe("degraded");
    const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: "rate limit store unavailable; limiting per process until it is back" });

    redis = await startRedis({ port: redis.port });
    raw.close();
    raw = new RedisClient(redis.url);
    await raw.connect();
    // The store pings every 100 ms here; this polls that reconnect, not a rate window.
    const deadline = Date.now() + 20_000;
    while (s.health() === "degraded" && Date.now() < deadline) await Bun.sleep(20);
    expect(s.health()).toBe("ok");
    expect(lines.map((l) => JSON.parse(l).msg)).toContain("rate limit store reachable again");
    expect(await s.consume("key:after", 1)).toMatchObject({ allowed: true });
    expect(await s.consume("key:after", 1)).toMatchObject({ allowed: false }); // limiting in Redis again
    expect(await raw.exists("argus:rl:key:after")).toBe(true);
  });

  test("a hung Redis costs one timeout, then decisions come from this process's buckets; the connection is kept", async () => {
    const s = store(silent, 100);
    await s.ready!();
    expect((await s.consume("key:hung", 10)).remaining).toBe(9);
    const before = await connectionsReceived();
    process.kill(redis.pid, "SIGSTOP");
    let decisions;
    try {
      // A frozen Redis never answers: the first call resolves only through the store's own timeout.
      decisions = [];
      for (let i = 0; i < 12; i++) decisions.push(await s.consume("key:hung", 10));
      expect(s.health()).toBe("degraded");
    } finally {
      process.kill(redis.pid, "SIGCONT");
    }
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10); // never "allowed" for everyone
    const deadline = Date.now() + 20_000;
    while (s.health() === "degraded" && Date.now() < deadline) await Bun.sleep(20);
    expect(s.health()).toBe("ok");
    const after = await s.consume("key:hung", 10);
    // The timed-out call was already on the wire, so Redis ran it on waking: 10 - 2 spent there.
    expect(after).toMatchObject({ allowed: true, remaining: 7 });
    expect(await connectionsReceived()).toBe(before);
  });

  test("reports degraded from the start when nothing listens at the URL, and ok once Redis appears there", async () => {
    const spare = await startRedis();
    const port = spare.port;
    await spare.stop();
    const s = createRedisStore({ url: `redis://127.0.0.1:${port}`, logger: silent, pingEveryMs: 100 });
    stores.push(s);
    await s.ready!();
    expect(s.health()).toBe("degraded");
    const limited = [];
    for (let i = 0; i < 4; i++) limited.push((await s.consume("key:boot", 3)).allowed);
    expect(limited).toEqual([true, true, true, false]);
    const late = await startRedis({ port });
    try {
      const deadline = Date.now() + 20_000;
      while (s.health() === "degraded" && Date.now() < deadline) await Bun.sleep(20);
      expect(s.health()).toBe("ok");
      expect(await s.consume("key:boot", 3)).toMatchObject({ allowed: true, remaining: 2 }); // Redis's bucket, fresh
    } finally {
      s.close();
      await late.stop();
    }
  });
});
