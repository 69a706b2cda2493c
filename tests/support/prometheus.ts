// A strict reader of the Prometheus text exposition format (0.0.4), as Prometheus itself parses a scrape:
// throws on anything it would reject. Written for the tests, so a malformed /metrics cannot pass unnoticed.

export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Family = { name: string; type: string; help?: string; samples: Sample[] };

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<string, string[]> = { histogram: ["_bucket", "_sum", "_count"], summary: ["_sum", "_count"] };

/** Go's strconv.ParseFloat, which Prometheus uses: decimals, exponents, and Inf/NaN in any case. */
function parseValue(s: string, line: string): number {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error(`bad value ${JSON.stringify(s)} in: ${line}`);
  return Number(s);
}

function parseLabels(body: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf("=", i);
    const name = body.slice(i, eq).trim();
    if (eq < 0 || !LABEL.test(name) || body[eq + 1] !== '"') throw new Error(`bad label in: ${line}`);
    let value = "";
    let j = eq + 2;
    for (; j < body.length && body[j] !== '"'; j++) {
      if (body[j] !== "\\") value += body[j];
      else {
        const esc = body[++j];
        if (esc === "n") value += "\n";
        else if (esc === "\\" || esc === '"') value += esc;
        else throw new Error(`bad escape in: ${line}`);
      }
    }
    if (j >= body.length) throw new Error(`unterminated label value in: ${line}`);
    if (name in labels) throw new Error(`duplicate label ${name} in: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (body[i] === ",") i++;
    else if (i < body.length) throw new Error(`expected , between labels in: ${line}`);
  }
  return labels;
}

/** Families by name; each sample checked for syntax, family grouping, duplicates and histogram consistency. */
export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: "untyped", samples: [] }));
    else if (f !== current && f.samples.length > 0) throw new Error(`family ${name} is not contiguous`);
    current = f;
    return f;
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)\s*(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!METRIC.test(name)) throw new Error(`bad metric name in: ${line}`);
      const f = family(name);
      if (kind === "TYPE") {
        if (!TYPES.has(rest) || f.samples.length > 0) throw new Error(`bad or late TYPE in: ${line}`);
        f.type = rest;
      } else f.help = rest;
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = /^([^\s{]+)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
    if (!m || !METRIC.test(m[1]!)) throw new Error(`bad sample line: ${line}`);
    const name = m[1]!;
    const labels = parseLabels(m[2] ?? "", line);
    const base = [...families.values()].find((f) => (SUFFIXES[f.type] ?? []).some((s) => f.name + s === name));
    const f = base && base === current ? base : family(name);
    const id = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(id)) throw new Error(`duplicate series: ${line}`);
    seen.add(id);
    f.samples.push({ name, labels, value: parseValue(m[3]!, line) });
  }
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

function checkHistogram(f: Family) {
  const series = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const samples of series.values()) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const count = samples.find((s) => s.name === `${f.name}_count`);
    if (buckets.at(-1)?.labels.le !== "+Inf" || !count) throw new Error(`${f.name}: no +Inf bucket or _count`);
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${f.name}: buckets not cumulative`);
    }
    if (buckets.at(-1)!.value !== count.value) throw new Error(`${f.name}: +Inf bucket != _count`);
  }
}

/** The sum of the series named `name` that carry these labels (one series when all are given); 0 if none yet. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
  }
  return sum;
}
