import { RedisClient } from "bun";
import { systemClock, type Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import { EPS, toDecision, type Decision } from "./bucket.ts";
import type { RateLimitStore } from "./store.ts";

// decide() from bucket.ts, run inside Redis so check-and-spend is atomic across every process sharing it.
// Time is Redis's TIME, so workers with skewed clocks still agree. A full bucket is deleted: same as missing.
const SCRIPT = `
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, at = limit, now
if s[1] and s[2] then
  local ts = tonumber(s[2])
  at = math.max(now, ts)
  tokens = math.min(limit, tonumber(s[1]) + (at - ts) * limit / window)
end
local allowed = cost < 0 or tokens + ${EPS} >= math.max(1, cost)
if allowed then tokens = math.min(limit, tokens - cost) end
local fullMs = math.ceil((limit - tokens) * window / limit - ${EPS})
if fullMs <= 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', at))
  redis.call('PEXPIRE', KEYS[1], fullMs + at - now)
end
return { allowed and 1 or 0, string.format('%.17g', tokens), at, now }`;
const SHA = new Bun.CryptoHasher("sha1").update(SCRIPT).digest("hex");

const TIMEOUT_MS = 200; // a request waits at most this long on Redis before failing open
// Establishing a connection may take longer (a busy box at boot): the request still fails open after TIMEOUT_MS,
// but the connection attempt carries on, so one slow handshake doesn't cost a second of fail-open.
const CONNECT_TIMEOUT_MS = 2_000;
// While Redis is down, try connecting at most this often; calls in between fail open at once.
const RECONNECT_MS = 1_000;
const WARN_EVERY_MS = 60_000;

export type RedisStoreOptions = { url: string; logger: Logger; windowMs?: number; prefix?: string; clock?: Clock };
export interface RedisStore extends RateLimitStore {
  consume(key: string, limit: number, windowMs?: number, cost?: number): Promise<Decision>;
  close(): void;
}

/** Buckets shared by every worker through Redis; if Redis is unreachable it fails open and reports degraded. */
export function createRedisStore(opts: RedisStoreOptions): RedisStore {
  const { url, logger, windowMs: defaultWindowMs = 60_000, prefix = "argus:rl:", clock = systemClock } = opts;
  // Bun's own reconnect retries for ~30 s inside one connect() call; we reconnect ourselves instead, briefly.
  // Without the offline queue a command never waits for a connection (nor starts one): it rejects at once.
  const client = new RedisClient(url, {
    connectionTimeout: CONNECT_TIMEOUT_MS,
    enableOfflineQueue: false,
    autoReconnect: false,
  });
  let connecting: Promise<void> | undefined;
  let retryAt = 0;
  let degraded = false;
  let warnedAt = -Infinity;
  let closed = false;

  const connect = (): Promise<void> => {
    if (client.connected) return Promise.resolve();
    if (clock.now() < retryAt) return Promise.reject(new Error("Redis unavailable; not retrying yet"));
    // A restarted Redis has an empty script cache, so load on every connect; NOSCRIPT below covers a FLUSH.
    connecting ??= client
      .connect()
      .then(() => client.send("SCRIPT", ["LOAD", SCRIPT]))
      .then(() => {})
      .catch((err: unknown) => {
        retryAt = clock.now() + RECONNECT_MS;
        throw err;
      })
      .finally(() => (connecting = undefined));
    return connecting;
  };

  // Warm up so the first request doesn't pay for the handshake; failures surface per call.
  const warmup = connect().catch(() => {});

  const evaluate = async (args: string[]) => {
    await connect();
    try {
      return await client.send("EVALSHA", [SHA, ...args]);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith("NOSCRIPT"))) throw err;
      return client.send("EVAL", [SCRIPT, ...args]); // also caches it, so the next EVALSHA hits
    }
  };

  const failOpen = (err: unknown, limit: number, windowMs: number): Decision => {
    degraded = true;
    const now = clock.now();
    if (now - warnedAt >= WARN_EVERY_MS) {
      warnedAt = now;
      const error = err instanceof Error ? err.message : String(err);
      logger.warn("rate limit store unavailable; allowing requests", { error });
    }
    // As if the bucket were full and this request took one token.
    const resetAt = now + Math.ceil(windowMs / limit);
    return { allowed: true, limit, remaining: Math.max(0, limit - 1), resetAt, retryAfter: 0 };
  };

  return {
    async consume(key, limit, windowMs = defaultWindowMs, cost = 1) {
      if (closed) return failOpen(new Error("rate limit store closed"), limit, windowMs);
      const args = ["1", prefix + key, String(limit), String(windowMs), String(cost)];
      try {
        const reply = await withTimeout(evaluate(args), TIMEOUT_MS);
        const [allowed, tokens, at, now] = reply as [number, string, number, number];
        degraded = false;
        return toDecision(allowed === 1, Number(tokens), limit, at, windowMs, now, cost);
      } catch (err) {
        // A hung server leaves replies owed on this connection; drop it so the next call starts clean.
        if (err instanceof TimeoutError && client.connected) client.close();
        return failOpen(err, limit, windowMs);
      }
    },
    ready: () => warmup,
    health: () => (degraded ? "degraded" : "ok"),
    close() {
      closed = true;
      client.close();
    },
  };
}

class TimeoutError extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`Redis did not answer within ${ms} ms`)), ms);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
