// The usage API's shape (keys.usage / admin.keyUsage) and how the console lays it out for a chart.

export const OUTCOMES = [
  { key: "ok", label: "OK", color: "#2e9e57" },
  { key: "rateLimited", label: "Rate limited", color: "#d97706" },
  { key: "quotaExceeded", label: "Quota exceeded", color: "#c026d3" },
  { key: "forbidden", label: "Forbidden", color: "#dc2626" },
  { key: "ipNotAllowed", label: "IP not allowed", color: "#7c3aed" },
  { key: "revoked", label: "Revoked", color: "#6b7280" },
  { key: "expired", label: "Expired", color: "#0891b2" },
  { key: "deactivated", label: "Deactivated", color: "#a16207" },
  { key: "notFound", label: "Not found", color: "#2563eb" },
] as const;

export type Outcome = (typeof OUTCOMES)[number]["key"];
export type Counts = Record<Outcome, number>;
export type Granularity = "minute" | "hour" | "day";
export type UsagePoint = Counts & { start: Date };
export type Usage = { keyId: string; granularity: Granularity; since: Date; until: Date; points: UsagePoint[]; totals: Counts };

export const RANGES = [
  { key: "24h", label: "24 hours", ms: 24 * 3600_000, granularity: "hour" },
  { key: "7d", label: "7 days", ms: 7 * 24 * 3600_000, granularity: "hour" },
  { key: "30d", label: "30 days", ms: 30 * 24 * 3600_000, granularity: "day" },
] as const;
export type Range = (typeof RANGES)[number];

const STEP = { minute: 60, hour: 3600, day: 86400 } as const;

/**
 * uPlot's aligned columns: one x per bucket (seconds, UTC-aligned like the API's) from since to until, and one
 * column per outcome that has any count in the range; buckets the API left out (sparse) are zeros.
 */
export function alignUsage(u: Usage): { x: number[]; series: { outcome: (typeof OUTCOMES)[number]; values: number[] }[] } {
  const step = STEP[u.granularity];
  const first = Math.floor(u.since.getTime() / 1000 / step) * step;
  const last = Math.floor((u.until.getTime() / 1000 - 1) / step) * step;
  const x: number[] = [];
  for (let t = first; t <= last; t += step) x.push(t);
  const shown = OUTCOMES.filter((o) => o.key === "ok" || u.totals[o.key] > 0);
  const series = shown.map((outcome) => ({ outcome, values: new Array<number>(x.length).fill(0) }));
  for (const p of u.points) {
    const i = Math.round((p.start.getTime() / 1000 - first) / step);
    if (i < 0 || i >= x.length) continue;
    for (const s of series) s.values[i]! += p[s.outcome.key];
  }
  return { x, series };
}
