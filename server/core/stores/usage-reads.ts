import type { Database } from "bun:sqlite";
import { USAGE_OUTCOMES, type Granularity, type UsageCounts } from "../usage-schemas.ts";

// Per-key usage reads. One row per key, unit and start holds every process's increments, so a read only sums
// across buckets. Columns come back under their camelCase outcome names.

const COUNTS = USAGE_OUTCOMES.map((o) => `${o.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} AS ${o}`).join(", ");
const SUMS = USAGE_OUTCOMES.map((o) => `sum(${o.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}) AS ${o}`).join(", ");

type Range = { unit: Granularity; from: number; until: number };

/** One key's buckets of `unit` starting in [from, until), oldest first. */
export function keyUsagePoints(sqlite: Database, q: Range & { keyId: string }): (UsageCounts & { start: number })[] {
  return sqlite
    .query(
      `SELECT start, ${COUNTS} FROM key_usage
        WHERE key_id = $keyId AND unit = $unit AND start >= $from AND start < $until ORDER BY start`,
    )
    .all({ keyId: q.keyId, unit: q.unit, from: q.from, until: q.until }) as (UsageCounts & { start: number })[];
}

export type KeyTotalsRow = UsageCounts & { keyId: string; name: string; keyPrefix: string; userId: string; email: string };

/** Every key used in [from, until) with its sums, its name and its owner (a long read: runs on a reader thread). */
export function usageTotals(sqlite: Database, q: Range): KeyTotalsRow[] {
  return sqlite
    .query(
      `WITH t AS (SELECT key_id, ${SUMS} FROM key_usage WHERE unit = $unit AND start >= $from AND start < $until GROUP BY key_id)
       SELECT t.key_id AS keyId, k.name AS name, k.key_prefix AS keyPrefix, k.user_id AS userId, u.email AS email,
              ${USAGE_OUTCOMES.map((o) => `t.${o} AS ${o}`).join(", ")}
         FROM t JOIN api_keys k ON k.id = t.key_id JOIN users u ON u.id = k.user_id`,
    )
    .all({ unit: q.unit, from: q.from, until: q.until }) as KeyTotalsRow[];
}
