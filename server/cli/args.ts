import { parseArgs } from "node:util";
import type { z } from "zod";

/** A command line that cannot be run as written (unknown command or flag, missing argument): exit 2. */
export class UsageError extends Error {}

/** A flag's value the command cannot use (non-numeric --port, a bad --email): a usage error, exit 2. */
export class InvalidValue extends UsageError {}

/** A value from elsewhere (a password on stdin, a positional) that fails its rule: exit 1, like any failed operation. */
export class InvalidInput extends Error {}

type FlagSpec = Record<string, { type: "string" | "boolean"; short?: string }>;
const common = { json: { type: "boolean" } } as const;

/**
 * Strict parsing: an unknown flag or a stray argument is an error, never silently ignored.
 * `names` are the required positionals, in order.
 */
export function parse<const F extends FlagSpec>(args: string[], flags: F, names: string[] = []) {
  const config = { args, options: { ...common, ...flags }, strict: true, allowPositionals: true } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    // node:util's messages go on with advice about `--`; the first sentence is the error.
    throw new UsageError(lowerFirst((e as Error).message.split(". ")[0]!));
  }
  const { positionals } = parsed;
  if (positionals.length > names.length) throw new UsageError(`unexpected argument '${positionals[names.length]}'`);
  if (positionals.length < names.length) throw new UsageError(`missing <${names[positionals.length]}>`);
  return { values: parsed.values, positionals };
}

/** A flag the command cannot do without. */
export function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`missing --${flag}`);
  return value;
}

/** Parses with a core schema, so the CLI accepts exactly what the API accepts; the first issue becomes one line. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, label: (field: string) => string = (f) => f) {
  const r = schema.safeParse(input);
  if (r.success) return r.data as z.output<S>;
  const issue = r.error.issues[0]!;
  const name = label(String(issue.path[0] ?? "input"));
  const message = `invalid ${name}: ${issue.message}`;
  throw name.startsWith("--") ? new InvalidValue(message) : new InvalidInput(message);
}

export function wholeNumber(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !/^\d+$/.test(value)) throw new InvalidValue(`--${flag} must be a whole number, got '${value}'`);
  return value;
}

/** The handler named `name`, never something inherited from Object.prototype ("toString" is not a command). */
export function lookup<T>(handlers: Record<string, T>, name: string | undefined, what: string): T {
  if (name === undefined) throw new UsageError(`missing ${what}`);
  if (!Object.hasOwn(handlers, name)) {
    const near = nearest(name, Object.keys(handlers));
    throw new UsageError(`unknown ${what} '${name}'${near ? ` (did you mean '${near}'?)` : ""}`);
  }
  return handlers[name]!;
}

/** The candidate closest to `typed` by edit distance, if it is close enough to be what was meant. */
export function nearest(typed: string, candidates: string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = distance(typed.toLowerCase(), name);
    if (!best || d < best.d) best = { name, d };
  }
  const limit = Math.max(1, Math.floor(typed.length / 3));
  return best && (best.d <= limit || best.name.startsWith(typed.toLowerCase())) ? best.name : undefined;
}

/** Levenshtein distance, one row at a time. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
