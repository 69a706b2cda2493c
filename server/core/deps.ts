import type { ChangeCounter } from "../../db/changes.ts";
import type { Db } from "../../db/client.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { DbWork } from "../db-thread/work.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { RateLimitStore } from "./ratelimit/store.ts";

/** What every core service is built from. Tests build it with a temp db and a manual clock. */
export type CoreDeps = {
  /** This thread's connection: short reads only. */
  db: Db;
  /** Moves whenever anyone (this process's threads, the CLI, another worker) commits: for caches on this thread. */
  changes: ChangeCounter;
  /** Writes (in order, on the writer thread) and long reads (on a reader thread). */
  work: DbWork;
  clock: Clock;
  config: Config;
  logger: Logger;
  limiter: RateLimitStore;
  jwtSecret: string;
  /** argon2id cost; production uses Bun's defaults (64 MiB, t=2). */
  passwordCost?: { memoryCost: number; timeCost: number };
  /** Prometheus counters of this core; absent when ARGUS_METRICS=false. */
  metrics?: Metrics;
  /** Other processes serve requests from the same file (ARGUS_WORKERS): state that must be exact across them is not held per process. */
  pooled?: boolean;
};
