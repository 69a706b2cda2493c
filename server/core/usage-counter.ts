import type { Clock } from "../clock.ts";
import type { DbWork } from "../db-thread/work.ts";
import { describeError, type Logger } from "../logger.ts";
import type { UsageIncrement } from "./stores/usage-writes.ts";
import { USAGE_OUTCOMES, type UsageOutcome } from "./usage-schemas.ts";

/** How often counted requests are written: a crash (kill -9) loses at most this much usage. */
export const USAGE_FLUSH_MS = 2_000;
/** Past this many unwritten key-minutes (the database refusing writes for long), older counts are dropped. */
const MAX_PENDING = 200_000;

const INDEX = Object.fromEntries(USAGE_OUTCOMES.map((o, i) => [o, i])) as Record<UsageOutcome, number>;

/**
 * Write-behind usage counts, like lastUsedAt (server/core/lastused.ts): a request costs two Map lookups and an
 * increment; every couple of seconds (and on close) the counts go to the writer in one job.
 */
export function createUsageCounter(work: DbWork, clock: Clock, logger: Logger) {
  // minute start -> key id -> counts in USAGE_OUTCOMES order; a key counted across a minute boundary has two.
  let pending = new Map<number, Map<string, Uint32Array>>();
  let size = 0;
  let writing: Promise<void> = Promise.resolve();

  const bucket = (keyId: string, minute: number): Uint32Array => {
    let keys = pending.get(minute);
    if (!keys) pending.set(minute, (keys = new Map()));
    let counts = keys.get(keyId);
    if (!counts) {
      keys.set(keyId, (counts = new Uint32Array(USAGE_OUTCOMES.length)));
      size++;
    }
    return counts;
  };

  const count = (keyId: string, outcome: UsageOutcome) => {
    const now = clock.now();
    bucket(keyId, now - (now % 60_000))[INDEX[outcome]]!++;
  };

  // A batch the writer refused is counted again under its own minutes, so a busy moment loses nothing.
  const restore = (increments: UsageIncrement[]) => {
    if (size + increments.length > MAX_PENDING) {
      logger.warn("dropping unwritten key usage", { keyMinutes: increments.length });
      return;
    }
    for (const [keyId, minute, counts] of increments) {
      const mine = bucket(keyId, minute);
      counts.forEach((n, i) => (mine[i]! += n));
    }
  };

  const flush = (): Promise<void> => {
    if (size === 0) return writing;
    const increments: UsageIncrement[] = [];
    for (const [minute, keys] of pending) for (const [keyId, counts] of keys) increments.push([keyId, minute, Array.from(counts)]);
    pending = new Map();
    size = 0;
    writing = writing
      .then(() => work.write("usage.add", { increments }))
      .then(
        () => undefined,
        (e) => {
          logger.warn("could not record key usage, will retry", describeError(e));
          restore(increments);
        },
      );
    return writing;
  };

  /**
   * Waits for `keyId`'s counts so far: flushes only when it has unwritten ones (else waits for a write in flight),
   * so reads of a quiet key, which are not rate-limited, do not turn everyone's write-behind into a job per read.
   */
  const flushKey = (keyId: string): Promise<void> => {
    for (const keys of pending.values()) if (keys.has(keyId)) return flush();
    return writing;
  };

  const timer = setInterval(() => void flush(), USAGE_FLUSH_MS);
  timer.unref();

  return {
    /** Counts one request of `keyId` that ended with `outcome`, in the current minute. */
    count,
    /** Key-minutes counted and not yet handed to the writer. */
    pending: () => size,
    flush,
    flushKey,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
export type UsageCounter = ReturnType<typeof createUsageCounter>;
