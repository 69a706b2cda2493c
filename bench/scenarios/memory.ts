// 6. Memory of the in-process limiter with 1,000,000 live buckets (bench/ratelimit-memory.ts, its own process).
import { type Row, fmt, table, verdict } from "../lib/report.ts";
import { runScript } from "../lib/servers.ts";

export async function run() {
  const out = await runScript("ratelimit-memory.ts", [], 120_000);
  const lines = out.trim().split("\n");
  const rows: Row[] = lines.map((l) => {
    const [name, ...rest] = l.split(":");
    return { name: name!.trim(), cells: { value: rest.join(":").trim() } };
  });
  table("6. In-process limiter memory (bench/ratelimit-memory.ts, 1,000,000 keys)", ["value"], rows);
  // The script's wording is its owner's: find the numbers by label loosely and report "n/a" when they move.
  const mbOf = (label: RegExp) => {
    const line = lines.find((l) => label.test(l.split(":")[0] ?? ""));
    return Number(/([\d.]+) MB/.exec(line ?? "")?.[1] ?? NaN);
  };
  const before = mbOf(/before/i);
  const filled = mbOf(/filled|with/i);
  const swept = mbOf(/swept/i);
  const ok = (n: number) => Number.isFinite(n);
  verdict("memory", "RSS with 1,000,000 live buckets ≤ 100 MB", ok(filled) ? `${filled.toFixed(1)} MB` : "n/a", ok(filled) ? filled <= 100 : null);
  verdict("memory", "RSS held by the buckets (filled − before; reported)", ok(filled - before) ? `${(filled - before).toFixed(0)} MB` : "n/a", null);
  verdict("memory", "RSS after sweep × before (reported)", ok(swept / before) ? fmt.x(swept / before) : "n/a", null);
}
