// Printing: markdown tables, target verdicts (collected for the summary at the end), progress lines.
import type { LoadResult } from "./load.ts";

export type Row = { name: string; cells: Record<string, string> };
export type Verdict = { scenario: string; target: string; actual: string; met: boolean | null };
export const verdicts: Verdict[] = [];

export const fmt = {
  rps: (n: number) => Math.round(n).toLocaleString("en"),
  ms: (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : "-"),
  x: (n: number) => (Number.isFinite(n) ? `${n.toFixed(n < 0.1 ? 3 : 2)}×` : "-"),
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`,
  n: (n: number) => n.toLocaleString("en"),
};

export function table(title: string, columns: string[], rows: Row[], notes: string[] = []) {
  const lines = [`### ${title}`, "", `| ${["", ...columns].join(" | ")} |`, `|${["---", ...columns.map(() => "---:")].join("|")}|`];
  for (const r of rows) lines.push(`| ${[r.name, ...columns.map((c) => r.cells[c] ?? "")].join(" | ")} |`);
  if (notes.length) lines.push("", ...notes.map((n) => `- ${n}`));
  console.log(`\n${lines.join("\n")}\n`);
}

export function verdict(scenario: string, target: string, actual: string, met: boolean | null) {
  verdicts.push({ scenario, target, actual, met });
  const mark = met === null ? "n/a " : met ? "MET " : "MISS";
  console.log(`  [${mark}] ${target}: ${actual}`);
}

export function printVerdicts() {
  console.log("\n## Targets\n");
  console.log("| scenario | target | result | verdict |\n|---|---|---:|---|");
  for (const v of verdicts) console.log(`| ${v.scenario} | ${v.target} | ${v.actual} | ${v.met === null ? "reported" : v.met ? "met" : "**missed**"} |`);
}

export const log = (msg: string) => console.log(`· ${msg}`);

/** The usual columns of a load result; `bare` adds "× bare Bun" (req/s as a ratio to the bare route, same run). */
export const loadRow = (name: string, r: LoadResult, extra: Record<string, string> = {}, bare?: LoadResult): Row => ({
  name,
  cells: {
    "req/s": fmt.rps(r.rps),
    "p50 ms": fmt.ms(r.p50Ms),
    "p99 ms": fmt.ms(r.p99Ms),
    "non-2xx": String(r.non2xx + r.errors),
    ...(bare ? { "× bare Bun": fmt.x(r.rps / bare.rps) } : {}),
    ...(r.cpuUs !== undefined ? { "CPU µs/req": r.cpuUs.toFixed(1) } : {}),
    ...(bare?.cpuUs !== undefined && r.cpuUs !== undefined ? { "× bare Bun (CPU)": fmt.x(bare.cpuUs / r.cpuUs) } : {}),
    ...extra,
  },
});
