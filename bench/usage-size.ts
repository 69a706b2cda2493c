// Per-key usage storage: `bun bench/usage-size.ts` (or `bun run bench -- usage`).
// 1,000 keys active every minute for 30 days, written into a temp database through the real write job
// ("usage.add", the one the write-behind flush sends) and pruned by the real retention job ("usage.prune"), then
// VACUUMed; reports the file's size and the rows of each unit. Knobs: BENCH_USAGE_KEYS, BENCH_USAGE_DAYS.
//
// The rows left are what minute-by-minute flushes would leave (a row's size does not depend on how many upserts
// added to it, and VACUUM rewrites every page), so the run writes in bigger jobs to take a minute, not hours:
// - the days before the last two: a job per hour, each key's 60 minutes added up into one increment at the hour's
//   start (whose minute row retention then deletes, as it would every real minute row of those days);
// - the last 48 hours: a job per hour holding every key's 60 minutes, each its own increment (60 minute rows and
//   the hour and day rows per key), as a flush after an hour of counting would send.
import { rmSync, statSync } from "node:fs";
import { databaseFile, openConnection, openDatabase } from "../db/client.ts";
import { createInlineWork } from "../server/db-thread/work.ts";
import type { UsageIncrement } from "../server/core/stores/usage-writes.ts";
import { tempDir } from "../tests/support/harness.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** A key's counts in one minute: about 20 requests (one every 3 s), now and then some refused. */
function minuteCounts(rand: () => number): number[] {
  const ok = 10 + Math.floor(rand() * 21);
  const limited = rand() < 0.05 ? 1 + Math.floor(rand() * 10) : 0;
  const forbidden = rand() < 0.01 ? 1 : 0;
  return [ok, limited, 0, forbidden, 0, 0, 0, 0, 0];
}

export async function usageSize(opts: { keys?: number; days?: number } = {}) {
  const keys = opts.keys ?? Number(process.env.BENCH_USAGE_KEYS ?? 1000);
  const days = opts.days ?? Number(process.env.BENCH_USAGE_DAYS ?? 30);
  const dir = tempDir();
  const started = performance.now();
  try {
    const db = openDatabase(dir);
    const sqlite = db.$client;
    sqlite.run("INSERT INTO users (id, email, password_hash) VALUES ('u', 'bench@example.com', 'x')");
    const ids = Array.from({ length: keys }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const insert = sqlite.prepare("INSERT INTO api_keys (id, user_id, name, key_hash, key_prefix, last_four, scopes) VALUES (?, 'u', ?, ?, 'argus_00', '0000', '[]')");
    sqlite.transaction(() => ids.forEach((id, i) => insert.run(id, `key ${i}`, `hash ${i}`)))();
    // A big page cache only makes the fill faster (every job touches each key's part of the tree); sizes are the same.
    sqlite.run("PRAGMA cache_size = -1048576");
    const work = createInlineWork(db);
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

    const end = Date.UTC(2026, 10, 1);
    const start = end - days * DAY;
    const minutesFrom = Math.max(start, end - 2 * DAY);
    let jobs = 0;
    for (let hour = start; hour < minutesFrom; hour += HOUR) {
      const increments: UsageIncrement[] = ids.map((id) => {
        const sum = new Array<number>(9).fill(0);
        for (let m = 0; m < 60; m++) minuteCounts(rand).forEach((n, i) => (sum[i]! += n));
        return [id, hour, sum];
      });
      await work.write("usage.add", { increments });
      jobs++;
      // The background prune, as a server would run it (every 10 minutes there; once an hour of data here).
      while ((await work.write("usage.prune", { now: hour + HOUR, limit: 5_000 })) === 5_000) jobs++;
    }
    for (let hour = minutesFrom; hour < end; hour += HOUR) {
      const increments: UsageIncrement[] = [];
      for (let minute = hour; minute < hour + HOUR; minute += MIN) for (const id of ids) increments.push([id, minute, minuteCounts(rand)]);
      await work.write("usage.add", { increments });
      jobs++;
    }
    while ((await work.write("usage.prune", { now: end, limit: 5_000 })) === 5_000) jobs++;
    const rows = Object.fromEntries(
      (sqlite.query("SELECT unit, count(*) AS n FROM key_usage GROUP BY unit").all() as { unit: string; n: number }[]).map((r) => [r.unit, r.n]),
    ) as Record<"minute" | "hour" | "day", number>;
    sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
    const before = statSync(databaseFile(dir)).size;
    sqlite.run("VACUUM");
    sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
    // Where the bytes are: the table (its primary key), the (unit, start) index that prune and totals walk, the rest.
    const parts = Object.fromEntries(
      (sqlite.query("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as { name: string; bytes: number }[]).map((r) => [r.name, r.bytes]),
    );
    sqlite.close();
    const bytes = statSync(databaseFile(dir)).size;
    const table = parts.key_usage ?? 0;
    const index = parts.key_usage_unit_start_idx ?? 0;
    // What one live flush costs on this file (after it was measured): every key's next minute in one job, on a
    // fresh connection with the default page cache (as the writer thread has), median of 5 minutes.
    const live = openConnection(databaseFile(dir));
    const liveWork = createInlineWork(live);
    const flushMs: number[] = [];
    for (let minute = end; minute < end + 5 * MIN; minute += MIN) {
      const increments = ids.map((id) => [id, minute, minuteCounts(rand)] as UsageIncrement);
      const t = performance.now();
      await liveWork.write("usage.add", { increments });
      flushMs.push(performance.now() - t);
    }
    live.$client.close();
    flushMs.sort((a, b) => a - b);
    const total = rows.minute + rows.hour + rows.day;
    return { keys, days, rows, bytes, before, table, index, bytesPerRow: bytes / total, flushMs: flushMs[2]!, jobs, seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const r = await usageSize();
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  console.log(
    `usage storage, ${r.keys.toLocaleString("en")} keys active every minute for ${r.days} days: ${mb(r.bytes)} after VACUUM ` +
      `(${mb(r.before)} before); rows: ${r.rows.minute.toLocaleString("en")} minute, ${r.rows.hour.toLocaleString("en")} hour, ` +
      `${r.rows.day.toLocaleString("en")} day (${r.bytesPerRow.toFixed(0)} bytes a row: table ${mb(r.table)}, (unit, start) index ${mb(r.index)}); ` +
      `one flush of every key's minute on it: ${r.flushMs.toFixed(1)} ms; ${r.jobs.toLocaleString("en")} write jobs in ${r.seconds.toFixed(0)} s`,
  );
}
