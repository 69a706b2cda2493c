import { tooManyRequests } from "../errors.ts";
import type { RateLimitStore } from "./ratelimit/store.ts";

export type Throttle = {
  key: string;
  limit: number;
  windowMs: number;
  /**
   * Makes this throttle soft: when it is empty, an attempt may spend the fallback instead (e.g. "this address has
   * not failed for this email lately"). Every failure also spends the fallback, so it stays a record of failures.
   */
  fallback?: Throttle;
};

// Attempts being checked right now, per store and bucket key: a refused attempt waits for these instead of
// failing, since their tokens come back if they turn out to be right. Only this process's attempts are known.
const checking = new WeakMap<RateLimitStore, Map<string, Set<Promise<void>>>>();

const consume = (store: RateLimitStore, t: Throttle, cost: number) => store.consume(t.key, t.limit, t.windowMs, cost);

/** Spends one token from each throttle (or its fallback); what was spent, and what refused and for how long. */
async function reserve(store: RateLimitStore, throttles: Throttle[]) {
  const spent: Throttle[] = [];
  const refused: string[] = [];
  let retryAfter = 0;
  for (const t of throttles) {
    const d = await consume(store, t, 1);
    if (d.allowed) {
      spent.push(t);
      continue;
    }
    let wait = d.retryAfter;
    if (t.fallback) {
      const f = await consume(store, t.fallback, 1);
      if (f.allowed) {
        spent.push(t.fallback);
        continue;
      }
      wait = Math.min(wait, f.retryAfter);
      refused.push(t.fallback.key);
    }
    refused.push(t.key);
    retryAfter = Math.max(retryAfter, wait);
  }
  return { spent, refused, retryAfter };
}

async function refund(store: RateLimitStore, spent: Throttle[]) {
  for (const t of spent) await consume(store, t, -1);
}

/**
 * Failure throttles (logins, password checks) on the token buckets: only failed checks count. Each attempt
 * spends its tokens before `check` runs, so concurrent wrong guesses cannot all slip past one limit; a right
 * one gives them back. An attempt refused while others hold those tokens waits for them to finish rather than
 * being refused for concurrency alone; with nothing in flight it is refused with 429. Returns `check`'s answer.
 */
export async function throttled(
  store: RateLimitStore,
  throttles: Throttle[],
  message: string,
  check: () => Promise<boolean>,
): Promise<boolean> {
  let inFlight = checking.get(store);
  if (!inFlight) checking.set(store, (inFlight = new Map()));
  let spent: Throttle[];
  for (;;) {
    const r = await reserve(store, throttles);
    if (r.refused.length === 0) {
      spent = r.spent;
      break;
    }
    await refund(store, r.spent);
    const busy = r.refused.flatMap((key) => [...(inFlight.get(key) ?? [])]);
    if (busy.length === 0) throw tooManyRequests(r.retryAfter, message);
    await Promise.race(busy);
  }

  let done!: () => void;
  const settled = new Promise<void>((resolve) => (done = resolve));
  for (const t of spent) {
    const set = inFlight.get(t.key) ?? new Set();
    inFlight.set(t.key, set.add(settled));
  }
  try {
    const ok = await check();
    if (ok) await refund(store, spent);
    else for (const t of spent) if (t.fallback) await consume(store, t.fallback, 1);
    return ok;
  } catch (e) {
    await refund(store, spent); // not a failed guess (e.g. the hashing queue was full): nothing to count
    throw e;
  } finally {
    for (const t of spent) {
      const set = inFlight.get(t.key)!;
      set.delete(settled);
      if (set.size === 0) inFlight.delete(t.key);
    }
    done();
  }
}
