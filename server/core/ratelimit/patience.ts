export class TimeoutError extends Error {}

// A timer firing later than this was held up by a busy event loop (or a starved process), not by the server.
const LATE_MS = 10;
// The last look: a short timer that fires on time proves the loop sat idle in its poll, so read every reply that
// had arrived by then.
const CONFIRM_MS = 10;
// However busy the loop stays, give up after this long (a reply missing this long is missing).
const GIVE_UP_MS = 10_000;

/**
 * Waits for `work`, rejecting with TimeoutError only after `ms` in which the reply was really missing. A busy or
 * blocked event loop fires timers late, and can run them before it reads its sockets: a reply that arrived
 * meanwhile is still unread when the timer fires. So when the wait is over, one more short timer must fire on
 * time (the loop polled its sockets in between) before it counts as a timeout; a late one looks again.
 */
export function withPatience<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout>;
    const after = (delay: number, then: (late: number) => void) => {
      const due = performance.now() + delay;
      timer = setTimeout(() => then(performance.now() - due), delay);
    };
    const confirm = (late: number) => {
      if (late > LATE_MS && performance.now() - started < GIVE_UP_MS) return after(CONFIRM_MS, confirm);
      reject(new TimeoutError(`${what} did not answer within ${ms} ms`));
    };
    after(ms, () => after(CONFIRM_MS, confirm));
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
