import { bootCore } from "../boot.ts";
import { systemClock } from "../clock.ts";
import { loadConfig } from "../config.ts";
import { withAuditScope } from "../core/audit-context.ts";
import type { Core } from "../core/index.ts";
import { createMemoryStore } from "../core/ratelimit/memory.ts";
import { createLogger } from "../logger.ts";

/**
 * The same core the server builds, over the same database, for one command. A running server may hold the
 * database too: SQLite in WAL mode with busy_timeout lets both write. The limiter stays in-process (a command
 * never spends rate-limit tokens, so it needs no Redis), and logs stay at warn unless ARGUS_LOG_LEVEL asks.
 */
export function withCore<T>(fn: (core: Core) => T | Promise<T>): Promise<T> {
  // What a command changes is recorded in the audit log as done by "cli" (the operator on the host).
  return withAuditScope({ actor: () => "cli", ip: null, requestId: null }, () => run(fn));
}

async function run<T>(fn: (core: Core) => T | Promise<T>): Promise<T> {
  const config = loadConfig();
  const level = process.env.ARGUS_LOG_LEVEL ? config.logLevel : "warn";
  const core = await bootCore(config, {
    logger: createLogger(level),
    limiter: createMemoryStore({ clock: systemClock }),
    threads: false,
  });
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}
