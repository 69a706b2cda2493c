import { serviceUnavailable } from "../errors.ts";

/** Who is waiting: logins and password checks go first; sign-ups wait behind them. */
export type Lane = "login" | "signup";

export type HashingOptions = {
  /** Jobs running at once; each argon2id hash holds one core for its whole ~100 ms. */
  concurrency: number;
  /** Jobs that may wait; past it, 503. Sign-ups may fill only half of it, so logins always find room. */
  maxQueue: number;
  /** argon2id cost; production uses Bun's defaults (64 MiB, t=2). */
  cost?: { memoryCost: number; timeCost: number };
};

type Job = { run: () => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };

/**
 * argon2id as a bounded resource. Every hash and verification in Argus runs here: at most `concurrency` at
 * once (Bun runs them on its thread pool, off the event loop), a bounded number waiting, the rest refused with
 * 503 and a Retry-After that estimates when the queue will have drained.
 */
export function createHashing(opts: HashingOptions) {
  const concurrency = Math.max(1, opts.concurrency);
  const waiting: Record<Lane, Job[]> = { login: [], signup: [] };
  let running = 0;
  let avgMs = 100; // moving average of a job's duration, for Retry-After; starts at the measured default cost

  const queued = () => waiting.login.length + waiting.signup.length;
  const retryAfter = () => Math.max(1, Math.ceil(((queued() + running) * avgMs) / concurrency / 1000));

  function pump() {
    while (running < concurrency) {
      const job = waiting.login.shift() ?? waiting.signup.shift();
      if (!job) return;
      running++;
      const started = performance.now();
      job.run().then(job.resolve, job.reject).finally(() => {
        avgMs = avgMs * 0.8 + (performance.now() - started) * 0.2;
        running--;
        pump();
      });
    }
  }

  /** Runs `fn` when a slot is free, logins before sign-ups; a full queue is a 503 at once. */
  function run<T>(lane: Lane, fn: () => Promise<T>): Promise<T> {
    const room = lane === "login" ? opts.maxQueue : Math.floor(opts.maxQueue / 2);
    const mustWait = running >= concurrency;
    if (mustWait && (lane === "login" ? queued() : waiting.signup.length) >= room) {
      return Promise.reject(serviceUnavailable(retryAfter(), "Server is busy checking passwords, try again shortly"));
    }
    return new Promise<T>((resolve, reject) => {
      waiting[lane].push({ run: fn, resolve: resolve as (v: unknown) => void, reject });
      pump();
    });
  }

  const params = { algorithm: "argon2id" as const, ...opts.cost };
  return {
    concurrency,
    run,
    hash: (password: string, lane: Lane = "login") => run(lane, () => Bun.password.hash(password, params)),
    verify: (password: string, hash: string) => run("login", () => Bun.password.verify(password, hash)),
    /** Jobs running and waiting, for tests and health. */
    load: () => ({ running, waiting: queued() }),
  };
}
export type Hashing = ReturnType<typeof createHashing>;
