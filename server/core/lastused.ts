import type { Clock } from "../clock.ts";
import type { DbWork } from "../db-thread/work.ts";
import { describeError, type Logger } from "../logger.ts";

/** How often pending uses are written: a crash (kill -9) loses at most this much lastUsedAt. */
export const LAST_USED_FLUSH_MS = 2_000;

/** Write-behind `lastUsedAt`: uses are remembered here and written in one job every couple of seconds and on close. */
export function createLastUsed(work: DbWork, clock: Clock, logger: Logger) {
  let pending = new Map<string, number>();
  let inflight = new Map<string, number>(); // sent to the writer, maybe not committed yet
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (pending.size === 0) return writing;
    const batch = pending;
    pending = new Map();
    writing = writing
      .then(() => {
        inflight = batch;
        return work.write("keys.touch", { uses: [...batch] });
      })
      .catch((e) => logger.warn("could not record key use", describeError(e)))
      .finally(() => {
        if (inflight === batch) inflight = new Map();
      });
    return writing;
  };
  const timer = setInterval(() => void flush(), LAST_USED_FLUSH_MS);
  timer.unref();

  return {
    touch(id: string) {
      pending.set(id, clock.now());
    },
    /** The freshest known use, including one not yet written. */
    latest(id: string, stored: Date | null): Date | null {
      const p = pending.get(id) ?? inflight.get(id);
      return p !== undefined && (!stored || p > stored.getTime()) ? new Date(p) : stored;
    },
    forget(id: string) {
      pending.delete(id);
      inflight.delete(id);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
export type LastUsed = ReturnType<typeof createLastUsed>;
