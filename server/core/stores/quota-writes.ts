import { sql } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";

// Quota spending, run on the writer thread. One statement each, so concurrent requests (and other processes'
// writers, serialized by SQLite's write lock) can never spend past the limit.

/**
 * Spends one unit of the key's quota in the period starting at `periodStart` (a new period starts from zero).
 * `used` after the spend, or null when the quota was already used up (nothing is written then).
 */
export function spendQuota(db: Db, args: { keyId: string; limit: number; periodStart: number }): number | null {
  const row = db.$client
    .query<{ used: number }, [string, number, number]>(
      `INSERT INTO key_quota_usage (key_id, period_start, used) VALUES (?1, ?2, 1)
       ON CONFLICT (key_id) DO UPDATE SET
         used = CASE WHEN period_start = excluded.period_start THEN used + 1 ELSE 1 END,
         period_start = excluded.period_start
       WHERE period_start <> excluded.period_start OR used < ?3
       RETURNING used`,
    )
    .get(args.keyId, args.periodStart, args.limit);
  return row ? row.used : null;
}

/** Gives back a unit spent by a request that then failed (same period only; never below zero). */
export function refundQuota(db: Db, args: { keyId: string; periodStart: number }) {
  db.run(sql`UPDATE key_quota_usage SET used = max(used - 1, 0) WHERE key_id = ${args.keyId} AND period_start = ${args.periodStart}`);
}
