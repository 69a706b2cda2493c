import { eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { apiKeys } from "../../db/schema.ts";
import type { Clock } from "../clock.ts";

const INTERVAL = 60_000;

/** Write-behind `lastUsedAt`: at most one write per key per minute, pending values flushed by a timer and on shutdown. */
export function createLastUsed(db: Db, clock: Clock) {
  const written = new Map<string, number>();
  const pending = new Map<string, number>();
  const update = db
    .update(apiKeys)
    .set({ lastUsedAt: sql`${sql.placeholder("at")}` })
    .where(eq(apiKeys.id, sql.placeholder("id")))
    .prepare();

  const write = (id: string, at: number) => {
    update.run({ id, at });
    written.set(id, at);
    pending.delete(id);
  };

  function flushDue(all: boolean) {
    const now = clock.now();
    for (const [id, at] of pending) {
      if (all || now - (written.get(id) ?? 0) >= INTERVAL) write(id, at);
    }
  }

  // Checked every second, so a pending use reaches the database within a second of its minute being up.
  const timer = setInterval(() => flushDue(false), 1_000);
  timer.unref();

  return {
    touch(id: string) {
      const now = clock.now();
      if (now - (written.get(id) ?? -Infinity) >= INTERVAL) write(id, now);
      else pending.set(id, now);
    },
    /** The freshest known use, including one not yet written. */
    latest(id: string, stored: Date | null): Date | null {
      const p = pending.get(id);
      return p !== undefined && (!stored || p > stored.getTime()) ? new Date(p) : stored;
    },
    forget(id: string) {
      pending.delete(id);
      written.delete(id);
    },
    flush: () => flushDue(true),
    close() {
      clearInterval(timer);
      flushDue(true);
    },
  };
}
