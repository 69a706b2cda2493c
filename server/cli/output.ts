/** Human text by default; `--json` prints the same facts as one JSON document for scripts. */
export function emit(json: boolean | undefined, data: unknown, human: () => string) {
  console.log(json ? JSON.stringify(data, null, 2) : human());
}

/** Left-aligned columns, header first; empty tables say so instead of printing a lone header. */
export function table(header: string[], rows: string[][], empty = "(none)"): string {
  if (rows.length === 0) return empty;
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export const when = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : "-");
