import { totalOf, UNIT_MS, USAGE_OUTCOMES, type KeyUsage, type UsageCounts, type UsageOutcome } from "../core/usage-schemas.ts";
import { when } from "./output.ts";

// A key's usage as text for a terminal: a sparkline over the whole range, a bar per bucket with requests, totals.

export const OUTCOME_LABELS: Record<UsageOutcome, string> = {
  ok: "ok", rateLimited: "rate limited", quotaExceeded: "quota exceeded", forbidden: "forbidden", ipNotAllowed: "ip not allowed",
  revoked: "revoked", expired: "expired", deactivated: "deactivated", notFound: "not found",
};
const SPARKS = "▁▂▃▄▅▆▇█";
const SPARK_WIDTH = 72;
const BAR_WIDTH = 40;
const MAX_ROWS = 48;

/** "ok 10, rate limited 2": the outcomes that happened, in the usual order. */
export const breakdown = (c: UsageCounts) =>
  USAGE_OUTCOMES.filter((o) => c[o] > 0).map((o) => `${OUTCOME_LABELS[o]} ${c[o]}`).join(", ") || "none";

/** One character per column of the range (buckets summed when there are more than SPARK_WIDTH), blank = none. */
export function sparkline(u: KeyUsage): string {
  const unit = UNIT_MS[u.granularity];
  const buckets = Math.max(1, Math.ceil((u.until.getTime() - u.since.getTime()) / unit));
  const per = Math.ceil(buckets / SPARK_WIDTH);
  const columns = new Array<number>(Math.ceil(buckets / per)).fill(0);
  for (const p of u.points) columns[Math.floor((p.start.getTime() - u.since.getTime()) / unit / per)]! += totalOf(p);
  const peak = Math.max(...columns);
  return columns.map((n) => (n === 0 ? " " : SPARKS[Math.ceil((n / peak) * SPARKS.length) - 1])).join("");
}

/** The whole chart: header, sparkline, a bar per bucket (█ passed, ▒ refused), totals. */
export function usageChart(u: KeyUsage, label: string): string {
  const lines = [`${label}: requests by ${u.granularity}, ${when(u.since)} to ${when(u.until)}`];
  const total = totalOf(u.totals);
  if (total === 0) return [...lines, "no requests in this range"].join("\n");
  lines.push(`[${sparkline(u)}]`, "");
  const shown = u.points.slice(-MAX_ROWS);
  if (shown.length < u.points.length) lines.push(`(${u.points.length - shown.length} earlier ${u.granularity}s with requests not shown)`);
  const peak = Math.max(...shown.map(totalOf));
  const width = String(peak).length;
  for (const p of shown) {
    const n = totalOf(p);
    const bar = Math.max(1, Math.round((n / peak) * BAR_WIDTH));
    const passed = Math.round((p.ok / n) * bar);
    lines.push(`${when(p.start)}  ${String(n).padStart(width)} ${"█".repeat(passed)}${"▒".repeat(bar - passed)}  ${breakdown(p)}`);
  }
  lines.push("", `total ${total}: ${breakdown(u.totals)}`);
  return lines.join("\n");
}
