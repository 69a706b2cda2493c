import { RedisClient } from "bun";
import { systemClock, type Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import type { Decision } from "./bucket.ts";
import { createMemoryStore } from "./memory.ts";
import { withPatience } from "./patience.ts";
import { readReply, SCRIPT, scriptArgs, SHA } from "./redis-script.ts";
import type { Charge, RateLimitStore } from "./store.ts";

// A decision waits at most this long for a reply that is really missing (time the event loop was blocked does
// not count, see patience.ts), then falls back to this process's own buckets.
const TIMEOUT_MS = 200;
// Establishing a connection may take longer (a busy box at boot); only the pinger connects, so no request waits on it.
const CONNECT_TIMEOUT_MS = 2_000;
// How often every process checks that Redis answers (and reconnects when it does not): health is never a guess.
const PING_EVERY_MS = 2_000;
const WARN_EVERY_MS = 60_000;

export type RedisStoreOptions = {
  url: string;
  logger: Logger;
  windowMs?: number;
  prefix?: string;
  clock?: Clock;
  pingEveryMs?: number;
};
export interface RedisStore extends RateLimitStore {
  consume(key: string, limit: number, windowMs?: number, cost?: number): Promise<Decision>;
  consumeAll(charges: Charge[]): Promise<Decision[]>;
  close(): void;
}

/**
 * Buckets shared by every worker through Redis. While Redis is unreachable (refused, dropped, or a reply really
 * missing for TIMEOUT_MS) decisions come from in-process buckets instead: limits then hold per process, never
 * "allowed" for everyone, and health reports degraded until a ping succeeds again. A slow reply never closes
 * the connection: replies arrive in order, so a late one is simply matched to its own request.
 */
export function createRedisStore(opts: RedisStoreOptions): RedisStore {
  const { url, logger, windowMs: defaultWindowMs = 60_000, prefix = "argus:rl:", clock = systemClock } = opts;
  // Bun's own reconnect retries for ~30 s inside one connect() call; the pinger reconnects instead, briefly.
  // Without the offline queue a command never waits for a connection (nor starts one): it rejects at once.
  const client = new RedisClient(url, {
    connectionTimeout: CONNECT_TIMEOUT_MS,
    enableOfflineQueue: false,
    autoReconnect: false,
  });
  const fallback = createMemoryStore({ clock });
  let up = false; // unknown counts as down until the first ping answers
  let warnedAt = -Infinity;
  let closed = false;

  const markDown = (err: unknown) => {
    up = false;
    const now = clock.now();
    if (now - warnedAt < WARN_EVERY_MS) return;
    warnedAt = now;
    const error = err instanceof Error ? err.message : String(err);
    logger.warn("rate limit store unavailable; limiting per process until it is back", { error });
  };
  client.onclose = (err) => void (closed || markDown(err));
  const markUp = () => {
    if (closed) return; // a ping that was in flight when the store closed
    if (!up && warnedAt > -Infinity) logger.info("rate limit store reachable again");
    up = true;
  };

  const connect = async () => {
    if (client.connected) return;
    await client.connect();
    // A restarted Redis has an empty script cache, so load on every connect; NOSCRIPT below covers a FLUSH.
    await client.send("SCRIPT", ["LOAD", SCRIPT]);
  };

  let pinging: Promise<void> | undefined;
  const ping = () =>
    (pinging ??= connect()
      .then(() => withPatience(client.send("PING", []), TIMEOUT_MS, "Redis"))
      .then(markUp, markDown)
      .finally(() => (pinging = undefined)));
  let started = false;
  const first = ping().finally(() => (started = true));
  const pinger = setInterval(() => void ping(), opts.pingEveryMs ?? PING_EVERY_MS);
  pinger.unref();

  const evaluate = async (args: string[]) => {
    try {
      return await client.send("EVALSHA", [SHA, ...args]);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith("NOSCRIPT"))) throw err;
      return client.send("EVAL", [SCRIPT, ...args]); // also caches it, so the next EVALSHA hits
    }
  };

  const consumeAll = async (charges: Charge[]): Promise<Decision[]> => {
    const filled = charges.map((c) => ({ key: c.key, limit: c.limit, windowMs: c.windowMs ?? defaultWindowMs, cost: c.cost ?? 1 }));
    if (!started) await first; // the very first calls wait for the first ping rather than guess
    if (up && !closed) {
      try {
        if (!client.connected) throw new Error("Redis connection closed");
        const reply = await withPatience(evaluate(scriptArgs(filled, prefix)), TIMEOUT_MS, "Redis");
        return readReply(reply, filled);
      } catch (err) {
        markDown(err);
      }
    }
    return fallback.consumeAll(filled);
  };

  return {
    consumeAll,
    async consume(key, limit, windowMs = defaultWindowMs, cost = 1) {
      return (await consumeAll([{ key, limit, windowMs, cost }]))[0]!;
    },
    ready: () => first,
    health: () => (up ? "ok" : "degraded"),
    close() {
      closed = true;
      up = false;
      clearInterval(pinger);
      fallback.close();
      client.close();
    },
  };
}
