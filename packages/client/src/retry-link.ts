import type { TRPCLink } from "@trpc/client";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import type { AppRouter } from "./router.ts";
import { toArgusError } from "./errors.ts";

/**
 * Waits `ms` milliseconds. Should settle early (either way) when `signal` aborts; the retry link checks the
 * signal after every wait, so a sleep that ignores it only delays the end, never sends a retry.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export type RetryOptions = {
  /** How many times to retry one call after a 429 (0 = never). */
  attempts: number;
  /** The longest wait worth making; a longer Retry-After fails at once instead. Default 60 s. */
  maxDelayMs?: number;
  /** How a wait is made. Default: a real timer (`timerSleep`). Tests inject one that returns at once. */
  sleep?: Sleep;
};

/** A setTimeout wait that rejects with the signal's reason as soon as it aborts. */
export const timerSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const aborted = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }, ms);
    signal?.addEventListener("abort", aborted, { once: true });
  });

/**
 * Retries calls the server refused with TOO_MANY_REQUESTS, after the wait it asked for (error data `retryAfter`,
 * else the Retry-After header). Safe for mutations too: Argus charges the limit before a procedure runs, so a
 * 429 means nothing happened. Other errors pass straight through. Goes before the terminating link.
 *
 * A call ends (with its last 429) instead of retrying when its AbortSignal fires or its subscriber leaves
 * during a wait. Each call keeps its own state, so concurrent calls never see each other's waits.
 */
export function rateLimitRetryLink(opts: RetryOptions): TRPCLink<AppRouter> {
  const maxDelayMs = opts.maxDelayMs ?? 60_000;
  const sleep = opts.sleep ?? timerSleep;
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        // Fires on the caller's abort and on unsubscribe; AbortSignal.any would need Node 20.3, the client targets 18.
        const stop = new AbortController();
        const callerAborted = () => stop.abort(op.signal?.reason);
        if (op.signal?.aborted) callerAborted();
        else op.signal?.addEventListener("abort", callerAborted, { once: true });

        let current: Unsubscribable | undefined;
        const attempt = (attempts: number) => {
          current = next(op).subscribe({
            next: (envelope) => observer.next(envelope),
            complete: () => observer.complete(),
            error(error) {
              const e = toArgusError(error);
              if (e.code !== "TOO_MANY_REQUESTS" || attempts > opts.attempts || stop.signal.aborted) return observer.error(error);
              const delayMs = (e.retryAfter ?? 1) * 1000;
              if (delayMs > maxDelayMs) return observer.error(error);
              sleep(delayMs, stop.signal).then(
                () => (stop.signal.aborted ? observer.error(error) : attempt(attempts + 1)),
                () => observer.error(error),
              );
            },
          });
        };
        attempt(1);

        return () => {
          op.signal?.removeEventListener("abort", callerAborted);
          stop.abort();
          current?.unsubscribe();
        };
      });
}
