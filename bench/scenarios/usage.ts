// 9. Per-key usage storage (issue 12): 1,000 keys active every minute for 30 days, on disk. See bench/usage-size.ts.
import { usageSize } from "../usage-size.ts";
import { fmt, table, verdict } from "../lib/report.ts";

export async function run() {
  const r = await usageSize();
  const rows = r.rows.minute + r.rows.hour + r.rows.day;
  table(
    `9. Per-key usage storage: ${fmt.n(r.keys)} keys active every minute for ${r.days} days`,
    ["rows", "on disk", "table", "(unit, start) index", "bytes a row", "flush ms"],
    [{
      name: "after retention and VACUUM",
      cells: { rows: fmt.n(rows), "on disk": fmt.mb(r.bytes), table: fmt.mb(r.table), "(unit, start) index": fmt.mb(r.index), "bytes a row": r.bytesPerRow.toFixed(0), "flush ms": r.flushMs.toFixed(1) },
    }],
    [`${fmt.n(r.rows.minute)} minute rows (48 h), ${fmt.n(r.rows.hour)} hour rows, ${fmt.n(r.rows.day)} day rows; ${fmt.n(r.jobs)} write jobs in ${r.seconds.toFixed(0)} s; flush ms = one write job adding every key's minute on that file (median of 5)`],
  );
  verdict("usage", `usage storage, ${fmt.n(r.keys)} keys × ${r.days} days`, fmt.mb(r.bytes), null);
}
