import { writeSync } from "node:fs";

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof levels;
export type Logger = Record<Exclude<LogLevel, "silent">, (msg: string, fields?: Record<string, unknown>) => void>;

let pending: string[] = [];
const MAX_PENDING = 512;

function flushStderr() {
  if (pending.length === 0) return;
  const out = pending.join("\n") + "\n";
  pending = [];
  writeSync(2, out); // synchronous, so nothing is lost at exit, and lines never interleave
}
process.on("exit", flushStderr);

/**
 * Lines gathered during one event-loop turn and written to stderr in one call: with the access log on, a
 * request must not cost a write(2) of its own.
 */
export function stderrLines(line: string) {
  if (pending.length === 0) setImmediate(flushStderr);
  pending.push(line);
  if (pending.length >= MAX_PENDING) flushStderr();
}

/** One JSON line per event on stderr. Callers pass fields, never secrets. */
export function createLogger(level: LogLevel = "info", write: (line: string) => void = stderrLines): Logger {
  const at = (lvl: Exclude<LogLevel, "silent">) => (msg: string, fields?: Record<string, unknown>) => {
    if (levels[lvl] < levels[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }));
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** An error's description fit for a log line: the driver's reason, never the failed query or its parameters. */
export function describeError(err: unknown): { error: string; message: string } {
  if (!(err instanceof Error)) return { error: "unknown", message: String(err).slice(0, 200) };
  const inner = err.message.startsWith("Failed query") && err.cause instanceof Error ? err.cause : err;
  return { error: inner.name, message: inner.message.split("\n")[0]!.slice(0, 200) };
}
