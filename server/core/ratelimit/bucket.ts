export type BucketState = { tokens: number; updatedAt: number }; // updatedAt in ms
export type Decision =
  | { allowed: true; limit: number; remaining: number; resetAt: number; retryAfter: 0 }
  | { allowed: false; limit: number; remaining: 0; resetAt: number; retryAfter: number };

// Refill is fractional, so a token that is mathematically back can be 1e-16 short; this absorbs that drift.
export const EPS = 1e-9;

/** Token bucket: capacity `limit`, refilled continuously at `limit` per `windowMs`; cost 0 peeks, a negative cost refunds. */
export function decide(
  state: BucketState | undefined,
  limit: number,
  now: number,
  windowMs = 60_000,
  cost = 1,
): { decision: Decision; next: BucketState } {
  // If the clock steps back, keep the later time: refilling from an earlier one would count that span twice.
  const at = state ? Math.max(now, state.updatedAt) : now;
  // Multiply before dividing so whole-token refills come out exact; min() also clamps after a lowered limit.
  const tokens = state ? Math.min(limit, state.tokens + ((at - state.updatedAt) * limit) / windowMs) : limit;
  // A cost above one needs that many tokens, so the bucket never goes into debt. A negative cost gives
  // tokens back (a throttle refunding an attempt that turned out fine), never above capacity.
  const allowed = cost < 0 || tokens + EPS >= Math.max(1, cost);
  const left = allowed ? Math.min(limit, tokens - cost) : tokens;
  return { decision: toDecision(allowed, left, limit, at, windowMs, now, cost), next: { tokens: left, updatedAt: at } };
}

/** Shapes a bucket level at time `at` into a Decision; shared with the Redis store, whose maths run in Lua. */
export function toDecision(
  allowed: boolean,
  tokens: number,
  limit: number,
  at: number,
  windowMs: number,
  now = at,
  cost = 1,
): Decision {
  const msPerToken = windowMs / limit;
  const resetAt = at + Math.max(0, Math.ceil((limit - tokens) * msPerToken - EPS));
  if (allowed) return { allowed, limit, remaining: Math.max(0, Math.floor(tokens + EPS)), resetAt, retryAfter: 0 };
  const waitMs = at - now + (Math.max(1, cost) - tokens) * msPerToken;
  return { allowed, limit, remaining: 0, resetAt, retryAfter: Math.max(1, Math.ceil(waitMs / 1000 - EPS)) };
}
