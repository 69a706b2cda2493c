import type { CoreDeps } from "./deps.ts";
import type { AuthenticatedKey } from "./keys.ts";
import type { Decision } from "./ratelimit/bucket.ts";

export const WINDOW_MS = 60_000;

/** Per-key request limits: one token per key-authenticated request (or per call in a tRPC batch). */
export function createLimits(deps: CoreDeps) {
  const { limiter, config, clock } = deps;
  return {
    limitFor: (key: Pick<AuthenticatedKey, "rateLimit">) => key.rateLimit ?? config.rateLimitPerMinute,
    charge(key: Pick<AuthenticatedKey, "keyId" | "rateLimit">): Decision | Promise<Decision> {
      return limiter.consume(`key:${key.keyId}`, key.rateLimit ?? config.rateLimitPerMinute, WINDOW_MS, 1);
    },
    /** The X-RateLimit-* and IETF draft headers for one decision. */
    headers(d: Decision): Record<string, string> {
      const untilFull = Math.max(0, Math.ceil((d.resetAt - clock.now()) / 1000));
      const h: Record<string, string> = {
        "X-RateLimit-Limit": String(d.limit),
        "X-RateLimit-Remaining": String(d.remaining),
        "X-RateLimit-Reset": String(Math.ceil(d.resetAt / 1000)),
        "RateLimit-Policy": `"default";q=${d.limit};w=${WINDOW_MS / 1000}`,
        RateLimit: `"default";r=${d.remaining};t=${untilFull}`,
      };
      if (!d.allowed) h["Retry-After"] = String(d.retryAfter);
      return h;
    },
  };
}
export type Limits = ReturnType<typeof createLimits>;
