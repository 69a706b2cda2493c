import type { CoreDeps } from "./deps.ts";
import type { Decision } from "./ratelimit/bucket.ts";
import type { Charge } from "./ratelimit/store.ts";

export const WINDOW_MS = 60_000;

// A limit's header texts, made once per limit (limits are few: the default and what admins set).
const texts = new Map<number, readonly [string, string]>();
function limitTexts(limit: number): readonly [string, string] {
  let t = texts.get(limit);
  if (!t) {
    if (texts.size >= 4096) texts.clear();
    texts.set(limit, (t = [String(limit), `"default";q=${limit};w=${WINDOW_MS / 1000}`]));
  }
  return t;
}

/** Who a key request is charged to: the key, and the user who owns it. */
export type KeyCaller = { keyId?: string; rateLimit?: number | null; userId: string; userRateLimit?: number | null };

/**
 * The headers speak for one bucket: when every bucket allowed, the one with fewer tokens left (the next to
 * refuse); otherwise the one that refused with the longest wait.
 */
function closest(ds: Decision[]): Decision {
  const denied = ds.filter((d) => !d.allowed);
  if (denied.length > 0) return denied.reduce((a, b) => (b.retryAfter > a.retryAfter ? b : a));
  return ds.reduce((a, b) => (b.remaining < a.remaining ? b : a));
}

/**
 * Request limits: a key-authenticated request (or each call in a tRPC batch) spends one token from the key's
 * bucket and one from its owner's, all or nothing, so many keys of one user still share one ceiling.
 */
export function createLimits(deps: CoreDeps) {
  const { limiter, config, clock } = deps;
  const limitFor = (key: Pick<KeyCaller, "rateLimit">) => key.rateLimit ?? config.rateLimitPerMinute;
  /** The owner's ceiling; 0 (from ARGUS_USER_RATE_LIMIT_PER_MINUTE) means none. */
  const userLimitFor = (caller: Pick<KeyCaller, "userRateLimit">) => caller.userRateLimit ?? config.userRateLimitPerMinute;
  return {
    limitFor,
    userLimitFor,
    charge(caller: KeyCaller): Decision | Promise<Decision> {
      const charges: Charge[] = [{ key: `key:${caller.keyId}`, limit: limitFor(caller), windowMs: WINDOW_MS, cost: 1 }];
      const ceiling = userLimitFor(caller);
      if (ceiling > 0) charges.push({ key: `user:${caller.userId}`, limit: ceiling, windowMs: WINDOW_MS, cost: 1 });
      const ds = limiter.consumeAll(charges);
      return ds instanceof Promise ? ds.then(closest) : ds.length === 1 ? ds[0]! : closest(ds);
    },
    /** The X-RateLimit-* and IETF draft headers for one decision. */
    headers(d: Decision): Record<string, string> {
      const untilFull = Math.max(0, Math.ceil((d.resetAt - clock.now()) / 1000));
      const [limit, policy] = limitTexts(d.limit);
      const remaining = String(d.remaining);
      const h: Record<string, string> = {
        "X-RateLimit-Limit": limit,
        "X-RateLimit-Remaining": remaining,
        "X-RateLimit-Reset": String(Math.ceil(d.resetAt / 1000)),
        "RateLimit-Policy": policy,
        RateLimit: `"default";r=${remaining};t=${untilFull}`,
      };
      if (!d.allowed) h["Retry-After"] = String(d.retryAfter);
      return h;
    },
  };
}
export type Limits = ReturnType<typeof createLimits>;
