import { parseArgs } from "node:util";
import type { z } from "zod";

/** A command line that cannot be run as written (unknown command or flag, missing argument): exit 2. */
export class UsageError extends Error {}

/** A value the command cannot use (bad email, non-numeric --port): exit 1, like any failed operation. */
export class InvalidValue extends Error {}

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
  throw new InvalidValue(`invalid ${label(String(issue.path[0] ?? "input"))}: ${issue.message}`);
}

export function wholeNumber(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !/^\d+$/.test(value)) throw new InvalidValue(`--${flag} must be a whole number, got '${value}'`);
  return value;
}

/** The handler named `name`, never something inherited from Object.prototype ("toString" is not a command). */
export function lookup<T>(handlers: Record<string, T>, name: string | undefined, what: string): T {
  if (name === undefined) throw new UsageError(`missing ${what}`);
  if (!Object.hasOwn(handlers, name)) throw new UsageError(`unknown ${what} '${name}'`);
  return handlers[name]!;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
