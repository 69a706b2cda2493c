import { writeSync } from "node:fs";

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof levels;
type Level = Exclude<LogLevel, "silent">;
export type Logger = Record<Level, (msg: string, fields?: Record<string, unknown>) => void> & {
  /** A line whose fields the caller serialized (`"a":1,"b":"x"`): the access log's per-request path. */
  json(level: Level, msg: string, fields: string): void;
  /** Whether lines at `level` are written, so a caller can skip building them. */
  enabled(level: Level): boolean;
};

const FLUSH_MS = 20;
const FLUSH_BYTES = 64 * 1024;

/**
 * Lines gathered for up to 20 ms (or 64 KiB) and written to `fd` in one call: with the access log on, a
 * request must not cost a write(2) of its own. Each line is encoded into one reused buffer as it comes, so it
 * dies young instead of waiting in an array until the batch is joined (a line kept 20 ms outlives the young
 * generation, and the join copies it again). Writes are synchronous, so lines never interleave and exiting writes
 * what is left.
 */
export function batchedLines(fd: number): (line: string) => void {
  // Room for a full batch plus one line at its worst (3 UTF-8 bytes per UTF-16 unit) before the check below.
  const buf = Buffer.allocUnsafe(FLUSH_BYTES * 2);
  let used = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const n = used;
    used = 0; // a failed write loses its batch, never repeats it
    for (let done = 0; done < n; ) done += writeSync(fd, buf, done, n - done);
  };
  process.on("exit", flush);
  return (line) => {
    if (used + line.length * 3 + 1 > buf.length) {
      flush();
      if (line.length * 3 + 1 > buf.length) {
        writeSync(fd, `${line}\n`); // a line longer than the buffer could hold: on its own
        return;
      }
    }
    used += buf.write(line, used);
    buf[used++] = 10; // "\n"
    if (used >= FLUSH_BYTES) flush();
    else if (!timer) (timer = setTimeout(flush, FLUSH_MS)).unref();
  };
}

/** Every logger's default: stderr, batched. */
export const stderrLines = batchedLines(2);

let isoMs = -1;
let iso = "";
/** The time as ISO-8601, formatted once per millisecond (a busy server logs many lines in one). */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

/** One JSON line per event on stderr. Callers pass fields, never secrets. */
export function createLogger(level: LogLevel = "info", write: (line: string) => void = stderrLines): Logger {
  const on = (lvl: Level) => levels[lvl] >= levels[level];
  // The line's start for the last (time, level, message): a busy server writes many access lines in one ms.
  let head = "";
  let headIso = "";
  let headLvl = "";
  let headMsg = "";
  const json = (lvl: Level, msg: string, fields: string) => {
    if (!on(lvl)) return;
    const time = isoNow();
    if (time !== headIso || lvl !== headLvl || msg !== headMsg) {
      head = `{"time":"${time}","level":"${lvl}","msg":${JSON.stringify(msg)}`;
      headIso = time;
      headLvl = lvl;
      headMsg = msg;
    }
    write(fields === "" ? `${head}}` : `${head},${fields}}`);
  };
  const at = (lvl: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (!on(lvl)) return;
    json(lvl, msg, fields ? JSON.stringify(fields).slice(1, -1) : "");
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), json, enabled: on };
}

/** An error's description fit for a log line: the driver's reason, never the failed query or its parameters. */
export function describeError(err: unknown): { error: string; message: string } {
  if (!(err instanceof Error)) return { error: "unknown", message: String(err).slice(0, 200) };
  const inner = err.message.startsWith("Failed query") && err.cause instanceof Error ? err.cause : err;
  return { error: inner.name, message: inner.message.split("\n")[0]!.slice(0, 200) };
}
