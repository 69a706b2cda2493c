import { sql } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";

// Quota leases, run on the writer thread. Every write job runs inside BEGIN IMMEDIATE (the writer thread and the
// CLI's inline work alike), so a job's read-then-write holds SQLite's write lock throughout: concurrent requests,
// and other processes' writers, can never lease past the limit.

export const LEASE_SHARE = 16;
export const LEASE_MAX = 1_000;

/**
 * How many units one lease takes: a sixteenth of what is left (so one process can hold at most 1/16 of the rest
 * unspent, and under 32 left every lease is a single unit: per-request spending, exact), capped at 1,000 (one
 * write job per 1,000 requests of a busy key), never more than is left.
 */
export const leaseSize = (remaining: number) => Math.min(remaining, Math.max(1, Math.min(LEASE_MAX, Math.floor(remaining / LEASE_SHARE))));

/**
 * Leases units of the key's quota in the period starting at `periodStart` (a new period starts from zero): adds
 * `granted` (`want` if given, else leaseSize of what is left; never more than is left, 0 when nothing is) to the
 * row's `used` and returns both.
 */
export function leaseQuota(db: Db, args: { keyId: string; limit: number; periodStart: number; want?: number }): { granted: number; used: number } {
  const sqlite = db.$client;
  const row = sqlite
    .query<{ used: number; period_start: number }, [string]>("SELECT used, period_start FROM key_quota_usage WHERE key_id = ?")
    .get(args.keyId);
  const before = row && row.period_start === args.periodStart ? row.used : 0;
  const left = Math.max(0, args.limit - before);
  const granted = args.want === undefined ? leaseSize(left) : Math.min(left, Math.max(0, args.want));
  if (granted === 0) return { granted, used: before };
  sqlite
    .query(
      `INSERT INTO key_quota_usage (key_id, period_start, used) VALUES (?1, ?2, ?3)
       ON CONFLICT (key_id) DO UPDATE SET used = excluded.used, period_start = excluded.period_start`,
    )
    .run(args.keyId, args.periodStart, before + granted);
  return { granted, used: before + granted };
}

/** Gives back leased units not spent (same period only; never below zero). */
export function refundQuota(db: Db, args: { keyId: string; periodStart: number; units: number }) {
  db.run(
    sql`UPDATE key_quota_usage SET used = max(used - ${args.units}, 0) WHERE key_id = ${args.keyId} AND period_start = ${args.periodStart}`,
  );
}
