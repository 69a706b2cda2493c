import { retryLink, type TRPCLink } from "@trpc/client";
import type { AppRouter } from "../server/trpc/router.ts";
import { toArgusError } from "./errors.ts";

export type RetryOptions = {
  /** How many times to retry one call after a 429 (0 = never). */
  attempts: number;
  /** The longest wait worth making; a longer Retry-After fails at once instead. Default 60 s. */
  maxDelayMs?: number;
};

/**
 * Retries calls the server refused with TOO_MANY_REQUESTS, after the wait it asked for (error data `retryAfter`,
 * else the Retry-After header). Safe for mutations too: Argus charges the limit before a procedure runs, so a
 * 429 means nothing happened. Other errors pass straight through. Goes before the terminating link.
 */
export function rateLimitRetryLink(opts: RetryOptions): TRPCLink<AppRouter> {
  const maxDelayMs = opts.maxDelayMs ?? 60_000;
  // tRPC's retryLink asks `retry` and then, synchronously in the same error callback, `retryDelayMs`;
  // the wait decided for that error is handed over here.
  let delayMs = 0;
  return retryLink<AppRouter>({
    retry({ error, attempts }) {
      const e = toArgusError(error);
      if (e.code !== "TOO_MANY_REQUESTS" || attempts > opts.attempts) return false;
      delayMs = (e.retryAfter ?? 1) * 1000;
      return delayMs <= maxDelayMs;
    },
    retryDelayMs: () => delayMs,
  });
}
