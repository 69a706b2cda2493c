import type { Decision } from "./bucket.ts";

export type { Decision };

/** One bucket to spend from: `cost` tokens (default 1) of capacity `limit` refilled per `windowMs` (default 60 s). */
export type Charge = { key: string; limit: number; windowMs?: number; cost?: number };

/** Where buckets live: one process (memory) or shared by every worker (Redis). Keys are namespaced by callers. */
export interface RateLimitStore {
  consume(key: string, limit: number, windowMs?: number, cost?: number): Decision | Promise<Decision>;
  /**
   * Spends from every bucket, or from none when any of them denies: one decision per charge, in order. A bucket
   * that would have allowed reports its level as if spent. Keys must be distinct.
   */
  consumeAll(charges: Charge[]): Decision[] | Promise<Decision[]>;
  health(): "ok" | "degraded";
  /** Settles once the store has tried to reach its backend (so a server starts connected when it can). */
  ready?(): Promise<void>;
  close(): void | Promise<void>;
}
