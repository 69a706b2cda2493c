import type { Database } from "bun:sqlite";
import type { Db } from "../../../db/client.ts";
import { GRANULARITIES, RETENTION_MS, UNIT_MS, USAGE_OUTCOMES } from "../usage-schemas.ts";

// Per-key usage writes, run on the writer thread inside its transaction (one savepoint per job).

/** One key's counts in one minute, in USAGE_OUTCOMES order. */
export type UsageIncrement = [keyId: string, minute: number, counts: number[]];

const COLUMNS = ["ok", "rate_limited", "quota_exceeded", "forbidden", "ip_not_allowed", "revoked", "expired", "deactivated", "not_found"];
if (COLUMNS.length !== USAGE_OUTCOMES.length) throw new Error("key_usage columns and USAGE_OUTCOMES disagree");

// A key deleted since its requests were counted is skipped (WHERE EXISTS) rather than failing the whole batch on
// the foreign key; the WHERE also tells SQLite that ON CONFLICT belongs to the upsert, not the SELECT.
const UPSERT = `INSERT INTO key_usage (key_id, unit, start, ${COLUMNS.join(", ")})
  SELECT ?1, ?2, ?3, ${COLUMNS.map((_, i) => `?${i + 4}`).join(", ")}
  WHERE EXISTS (SELECT 1 FROM api_keys WHERE id = ?1)
  ON CONFLICT (key_id, unit, start) DO UPDATE SET ${COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`;

const statements = new WeakMap<Database, ReturnType<Database["prepare"]>>();

/**
 * Adds minute counts to their minute, hour and day rows together (count = count + n), so rollups need no pass of
 * their own and several processes' increments simply add up. How many rows were written.
 */
export function addUsage(db: Db, args: { increments: UsageIncrement[] }): number {
  const sqlite = db.$client;
  let upsert = statements.get(sqlite);
  if (!upsert) statements.set(sqlite, (upsert = sqlite.prepare(UPSERT)));
  // Rolled up here first: a flush holding 60 minutes of one key writes one hour row, not 60 updates of it.
  const rows = new Map<string, { key: string; unit: string; start: number; counts: number[] }>();
  for (const [key, minute, counts] of args.increments) {
    for (const unit of GRANULARITIES) {
      const start = minute - (minute % UNIT_MS[unit]);
      const id = `${unit}:${start}:${key}`;
      const row = rows.get(id);
      if (row) counts.forEach((n, i) => (row.counts[i]! += n));
      else rows.set(id, { key, unit, start, counts: [...counts] });
    }
  }
  let written = 0;
  for (const r of rows.values()) written += upsert.run(r.key, r.unit, r.start, ...r.counts).changes;
  return written;
}

/** Deletes at most `limit` rows past their unit's retention (minutes 48 h, hours 90 days); how many went. */
export function pruneUsage(db: Db, args: { now: number; limit: number }): number {
  let deleted = 0;
  for (const unit of GRANULARITIES) {
    if (!Number.isFinite(RETENTION_MS[unit]) || deleted >= args.limit) continue;
    // Bounded: the oldest rows by the (unit, start) index, a batch at a time, so the writer is never held long.
    deleted += db.$client
      .prepare(
        `DELETE FROM key_usage WHERE (key_id, unit, start) IN
          (SELECT key_id, unit, start FROM key_usage WHERE unit = $unit AND start < $before ORDER BY start LIMIT $limit)`,
      )
      .run({ unit, before: args.now - RETENTION_MS[unit], limit: args.limit - deleted }).changes;
  }
  return deleted;
}
