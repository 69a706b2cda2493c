import type { Decision } from "./bucket.ts";

export type { Decision };

/** Where buckets live: one process (memory) or shared by every worker (Redis). Keys are namespaced by callers. */
export interface RateLimitStore {
  consume(key: string, limit: number, windowMs?: number, cost?: number): Decision | Promise<Decision>;
  health(): "ok" | "degraded";
  /** Settles once the store has tried to reach its backend (so a server starts connected when it can). */
  ready?(): Promise<void>;
  close(): void | Promise<void>;
}
