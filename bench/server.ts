// Argus as the benchmarks run it, in its own process (spawned by bench/run.ts).
//
// Config comes from the environment through the normal loadConfig path. On top of that:
//   BENCH_LIMITER=off  -> a no-op RateLimitStore (always allowed, remaining = limit), to price the limiter;
//   otherwise          -> the normal store bootCore picks (memory, or Redis when ARGUS_REDIS_URL is set).
// No passwordCost override: logins cost what they cost in production (argon2id, 64 MiB, t=2).
// PORT=0 lets the kernel pick a port; the chosen one is printed as `BENCH_READY <port> <pid>` on stdout.
import { bootCore } from "../server/boot.ts";
import { loadConfig } from "../server/config.ts";
import type { Decision, RateLimitStore } from "../server/core/ratelimit/store.ts";
import { serve } from "../server/serve.ts";

/** Allows everything and keeps no state: the cheapest store the interface admits. */
export function noopStore(): RateLimitStore {
  const consume = (_key: string, limit: number, windowMs = 60_000): Decision => ({
    allowed: true, limit, remaining: limit, resetAt: Date.now() + Math.ceil(windowMs / limit), retryAfter: 0,
  });
  return {
    consume,
    consumeAll: (charges) => charges.map((c) => consume(c.key, c.limit, c.windowMs)),
    health: () => "ok",
    close: () => {},
  };
}

const config = loadConfig(process.env);
const limiter = process.env.BENCH_LIMITER === "off" ? noopStore() : undefined;
const core = await bootCore(config, { limiter });
const server = serve(core, config);
console.log(`BENCH_READY ${server.port} ${process.pid}`);
