export class TimeoutError extends Error {}

// A timer this late was held up by a blocked event loop, not by the server it waits for.
const LATE_MS = 50;

/**
 * Waits for `work`, rejecting with TimeoutError only after `ms` in which the reply was really missing. A blocked
 * event loop fires timers late, and runs them before it reads the sockets: a reply that arrived during the block
 * is still unread when the timer fires. So a late timer decides nothing; it re-arms, which lets the loop read
 * its sockets first, and only a timer that fires on time with no reply is a timeout.
 */
export function withPatience<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout>;
    const arm = () => {
      const due = performance.now() + ms;
      timer = setTimeout(() => {
        if (performance.now() - due > LATE_MS) return arm();
        reject(new TimeoutError(`${what} did not answer within ${ms} ms`));
      }, ms);
    };
    arm();
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
