import { tooManyRequests } from "../errors.ts";
import type { RateLimitStore } from "./ratelimit/store.ts";

export type Throttle = { key: string; limit: number; windowMs: number };

/**
 * Failure throttles (logins, password checks) on the same token buckets. An attempt spends its token up
 * front, so concurrent attempts cannot all slip past one check; `succeeded()` gives it back, so only
 * failures count. 429 when any throttle is empty.
 */
export async function takeAttempt(store: RateLimitStore, throttles: Throttle[], message: string) {
  const spent: Throttle[] = [];
  let retryAfter = 0;
  for (const t of throttles) {
    const d = await store.consume(t.key, t.limit, t.windowMs, 1);
    if (d.allowed) spent.push(t);
    else retryAfter = Math.max(retryAfter, d.retryAfter);
  }
  const refund = async () => {
    for (const t of spent) await store.consume(t.key, t.limit, t.windowMs, -1);
  };
  if (retryAfter > 0) {
    await refund();
    throw tooManyRequests(retryAfter, message);
  }
  return { succeeded: refund };
}
