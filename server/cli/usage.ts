import { idParam } from "../core/schemas.ts";
import { totalOf, USAGE_OUTCOMES, usageQuery, usageTotalsQuery, type UsageCounts } from "../core/usage-schemas.ts";
import { InvalidValue, parse, validate } from "./args.ts";
import { OUTCOME_LABELS, usageChart } from "./chart.ts";
import { withCore } from "./context.ts";
import { emit, table } from "./output.ts";

const RELATIVE = /^(\d+)([mhd])$/;
const UNIT = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--since 1h` (a duration back from now: m, h or d) or an ISO 8601 time, as the API takes it. */
function time(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const rel = value.match(RELATIVE);
  if (rel) return new Date(Date.now() - Number(rel[1]) * UNIT[rel[2] as keyof typeof UNIT]).toISOString();
  if (Number.isNaN(Date.parse(value))) throw new InvalidValue(`--${flag} must be a duration like 90m, 1h or 7d, or an ISO 8601 time, got '${value}'`);
  return value;
}

const flag = (field: string) => (field === "id" ? "<id>" : `--${field}`);
const ranged = { since: { type: "string" }, until: { type: "string" } } as const;

/** `argus keys usage <id>`: one key's usage as a chart in the terminal (or the API's data with --json). */
export async function keyUsageCommand(args: string[]) {
  const { values, positionals } = parse(args, { granularity: { type: "string" }, ...ranged }, ["id"]);
  const { id } = validate(idParam, { id: positionals[0] }, flag);
  const q = validate(usageQuery, { granularity: values.granularity, since: time("since", values.since), until: time("until", values.until) }, flag);
  const { usage, label } = await withCore(async (core) => {
    const usage = await core.usage.forKey(null, id, q);
    const key = core.usage.describe(id);
    return { usage, label: key ? `${key.name} (${key.keyPrefix}…${key.lastFour})` : `key ${id}` };
  });
  emit(values.json, usage, () => usageChart(usage, label));
}

const columns = (rows: { totals: UsageCounts }[]) => USAGE_OUTCOMES.filter((o) => o === "ok" || rows.some((r) => r.totals[o] > 0));
const counts = (c: UsageCounts, shown: typeof USAGE_OUTCOMES[number][]) => [String(totalOf(c)), ...shown.map((o) => String(c[o]))];

/** `argus usage`: the most used keys and users in a range (default the last 24 hours), or those with `--outcome`. */
export async function usageCommand(args: string[]) {
  const { values } = parse(args, { outcome: { type: "string" }, limit: { type: "string" }, ...ranged });
  const q = validate(
    usageTotalsQuery,
    { since: time("since", values.since), until: time("until", values.until), outcome: values.outcome, limit: values.limit },
    (f) => `--${f}`,
  );
  const data = await withCore((core) => core.usage.totals(q));
  emit(values.json, data, () => {
    const keyCols = columns(data.keys);
    const userCols = columns(data.users);
    const head = (cols: typeof keyCols) => ["TOTAL", ...cols.map((o) => OUTCOME_LABELS[o].toUpperCase())];
    const what = q.outcome ? `with ${OUTCOME_LABELS[q.outcome]} requests` : "used";
    return [
      `keys ${what} from ${data.since.toISOString()} to ${data.until.toISOString()}:`,
      table(["ID", "NAME", "KEY", ...head(keyCols)], data.keys.map((k) => [k.keyId, k.name, `${k.keyPrefix}…`, ...counts(k.totals, keyCols)]), "(none)"),
      "",
      "by user:",
      table(["USER", "EMAIL", ...head(userCols)], data.users.map((u) => [u.userId, u.email, ...counts(u.totals, userCols)]), "(none)"),
    ].join("\n");
  });
}
