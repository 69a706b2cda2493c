import type { Decision } from "./bucket.ts";

export type { Decision };

/** Where buckets live: one process (memory) or shared by every worker (Redis). Keys are namespaced by callers. */
export interface RateLimitStore {
  consume(key: string, limit: number, windowMs?: number, cost?: number): Decision | Promise<Decision>;
  health(): "ok" | "degraded";
  close(): void | Promise<void>;
}
