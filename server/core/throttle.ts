import { tooManyRequests } from "../errors.ts";
import type { RateLimitStore } from "./ratelimit/store.ts";

export type Throttle = { key: string; limit: number; windowMs: number };

/** Failure throttles (login, invalid keys) on the same token buckets: peek before the attempt, spend on failure. */
export async function assertNotThrottled(store: RateLimitStore, throttles: Throttle[], message: string) {
  let retryAfter = 0;
  for (const t of throttles) {
    const d = await store.consume(t.key, t.limit, t.windowMs, 0);
    if (!d.allowed) retryAfter = Math.max(retryAfter, d.retryAfter);
  }
  if (retryAfter > 0) throw tooManyRequests(retryAfter, message);
}

export async function recordFailure(store: RateLimitStore, throttles: Throttle[]) {
  for (const t of throttles) await store.consume(t.key, t.limit, t.windowMs, 1);
}
