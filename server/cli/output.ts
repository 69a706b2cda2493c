// What a terminal would act on rather than show: C0/C1 controls (ESC starts every escape sequence, U+009B is an
// 8-bit CSI), DEL, the line/paragraph separators and the bidi overrides that reorder what is read.
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
const hex = (ch: string) => ch.codePointAt(0)!.toString(16).padStart(4, "0");

/** One line of text with anything non-printable shown as `\u001b`, so stored names cannot drive the terminal. */
export const printable = (line: string) => line.replace(UNPRINTABLE, (ch) => `\\u${hex(ch)}`);

/** Text of several lines: each line made printable, the line breaks kept. */
export const printableLines = (text: string) => text.split("\n").map(printable).join("\n");

/** Human text by default; `--json` prints the same facts as one JSON document for scripts. */
export function emit(json: boolean | undefined, data: unknown, human: () => string) {
  // In JSON every raw line break is layout (strings carry theirs as \n); C1, DEL and the rest inside strings get
  // the same \uXXXX escape JSON itself uses for C0, so the document stays valid.
  console.log(printableLines(json ? JSON.stringify(data, null, 2) : human()));
}

/** Left-aligned columns, header first; empty tables say so instead of printing a lone header. */
export function table(header: string[], rows: string[][], empty = "(none)"): string {
  if (rows.length === 0) return empty;
  const all = [header, ...rows].map((r) => r.map(printable));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export const when = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : "-");
