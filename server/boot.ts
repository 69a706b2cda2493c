import { createChangeCounter } from "../db/changes.ts";
import { databaseFile, openDatabase } from "../db/client.ts";
import { systemClock, type Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { createCore, type Core } from "./core/index.ts";
import { createInlineWork, createThreadedWork } from "./db-thread/work.ts";
import { createMemoryStore } from "./core/ratelimit/memory.ts";
import type { RateLimitStore } from "./core/ratelimit/store.ts";
import { resolveJwtSecret } from "./core/secret.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics } from "./observability/metrics.ts";
import { watchLimiter, watchWork } from "./observability/watch.ts";
import { isWorkerChild } from "./workers.ts";

export type BootOptions = {
  clock?: Clock;
  logger?: Logger;
  limiter?: RateLimitStore;
  passwordCost?: { memoryCost: number; timeCost: number };
  migrationsFolder?: string;
  /** false: run database jobs on this thread's own connection (the CLI, which may block). Default true. */
  threads?: boolean;
  /** Other processes serve requests from the same file (a worker of ARGUS_WORKERS). Default: whether this is one. */
  pooled?: boolean;
};

/** Reader threads for long reads (searches); the writer thread is always one. */
const READ_THREADS = 1;

/** Opens the database, resolves the secret, picks the limiter store and builds the core. */
export async function bootCore(config: Config, opts: BootOptions = {}): Promise<Core> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const db = openDatabase(config.dataDir, opts.migrationsFolder);
  const store = opts.limiter ?? (await createLimiter(config, clock, logger));
  const threaded = opts.threads === false
    ? createInlineWork(db)
    : createThreadedWork({ file: databaseFile(config.dataDir), readers: READ_THREADS, logger });
  // One registry per core. Under ARGUS_WORKERS each process counts alone and a scrape reaches one of them:
  // `pid` tells them apart.
  const metrics = config.metrics ? createMetrics(isWorkerChild() ? { pid: String(process.pid) } : {}) : undefined;
  const limiter = metrics ? watchLimiter(store, metrics) : store;
  const work = metrics ? watchWork(threaded, metrics) : threaded;
  const core = createCore({
    db, changes: createChangeCounter(db.$client), work, clock, config, logger, limiter, metrics,
    jwtSecret: resolveJwtSecret(config.dataDir, config.jwtSecret, logger),
    passwordCost: opts.passwordCost,
    pooled: opts.pooled ?? isWorkerChild(),
  });
  metrics?.watch({ hashingQueue: () => core.hashing.load().waiting });
  if (config.adminEmail && config.adminPassword) {
    const outcome = await core.users.ensureAdmin(config.adminEmail, config.adminPassword);
    if (outcome === "created") logger.info("created admin from ARGUS_ADMIN_EMAIL", { email: config.adminEmail });
    if (outcome === "not-admin") {
      logger.warn("ARGUS_ADMIN_EMAIL belongs to an existing non-admin user; no admin was created", {
        email: config.adminEmail,
        action: "promote that user with `argus users set-role <email> admin`, or set ARGUS_ADMIN_EMAIL to a new address",
      });
    }
  }
  return core;
}

async function createLimiter(config: Config, clock: Clock, logger: Logger): Promise<RateLimitStore> {
  if (!config.redisUrl) return createMemoryStore({ clock });
  const { createRedisStore } = await import("./core/ratelimit/redis.ts");
  const store = createRedisStore({ url: config.redisUrl, logger });
  await store.ready?.();
  return store;
}
