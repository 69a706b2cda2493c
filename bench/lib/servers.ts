// Servers under test: Argus (bench/server.ts) and the bare Bun.serve baseline (bench/bare-server.ts), each in its
// own process on a kernel-chosen port, plus the temp dirs and subprocess plumbing around them.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { ADMIN, BENCH_DIR, RATE_LIMIT, ROOT } from "./config.ts";
import { pinned } from "./pin.ts";
import { onCleanup, stop, track } from "./procs.ts";

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `argus-bench-${prefix}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

/**
 * The environment every server gets: ours only, none of the caller's ARGUS_* settings leak in. The per-user key
 * ceiling and the sign-up throttle (issue 9; an older server ignores the names) are off: one bench user owns all
 * the rotated keys and the bench registers many accounts from 127.0.0.1. Scenarios that test them pass their own.
 */
export function serverEnv(dataDir: string, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("ARGUS_") && !k.startsWith("BENCH_")) env[k] = v;
  return {
    ...env,
    HOST: "127.0.0.1",
    ARGUS_DATA_DIR: dataDir,
    ARGUS_LOG_LEVEL: "warn",
    ARGUS_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    ARGUS_USER_RATE_LIMIT_PER_MINUTE: "0",
    ARGUS_SIGNUP_LIMIT_PER_HOUR: "0",
    ARGUS_ADMIN_EMAIL: ADMIN.email,
    ARGUS_ADMIN_PASSWORD: ADMIN.password,
    ...extra,
  };
}

export type Server = { name: string; url: string; pid: number; proc: Subprocess; dataDir: string; stop(): Promise<void> };

export function tail(path: string): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-10).join("\n");
  } catch {
    return "";
  }
}

type StartOpts = { env?: Record<string, string>; dataDir?: string; pin?: boolean; script?: string };

/** Spawns a server script (default bench/server.ts) on a kernel-chosen port and waits for its BENCH_READY line. */
export async function startServer(name: string, opts: StartOpts = {}): Promise<Server> {
  const dataDir = opts.dataDir ?? tempDir(name);
  const logFile = join(dataDir, `server-${name}.log`);
  const cmd = [process.execPath, opts.script ?? join(BENCH_DIR, "server.ts")];
  const proc = track(
    Bun.spawn(opts.pin === false ? cmd : pinned(cmd, "server"), {
      cwd: ROOT,
      env: serverEnv(dataDir, { PORT: "0", ...opts.env }),
      stdout: "pipe",
      stderr: Bun.file(logFile),
    }),
  );
  const reader = proc.stdout.getReader();
  let buffered = "";
  const deadline = Date.now() + 30_000;
  while (!/BENCH_READY (\d+)/.test(buffered)) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null)]);
    if (chunk === null || chunk.done) {
      await stop(proc);
      throw new Error(`server ${name} did not start:\n${tail(logFile)}`);
    }
    buffered += new TextDecoder().decode(chunk.value);
  }
  // Keep draining stdout so the pipe can never fill and stall the server.
  void (async () => {
    try {
      while (!(await reader.read()).done) {}
    } catch {}
  })();
  const port = Number(/BENCH_READY (\d+)/.exec(buffered)![1]);
  return { name, url: `http://127.0.0.1:${port}`, pid: proc.pid, proc, dataDir, stop: () => stop(proc) };
}

let bare: Promise<Server> | undefined;
/** The bare `Bun.serve` JSON route every throughput scenario is compared with: one per run, pinned like the others. */
export function bareServer(): Promise<Server> {
  bare ??= startServer("bare", { script: join(BENCH_DIR, "bare-server.ts") });
  return bare;
}

/** Waits for a subprocess's output and exit, killing it after `timeoutMs` (a stuck helper must not stall the run). */
export async function collect(proc: Subprocess<"ignore", "pipe", "pipe">, timeoutMs: number, what: string) {
  const timer = setTimeout(() => {
    console.error(`${what}: no exit after ${timeoutMs / 1000} s, killing pid ${proc.pid}`);
    void stop(proc, 1_000);
  }, timeoutMs);
  try {
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { out, err, code };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a bench script (`bench/<file>`) to completion and returns its stdout; throws with its stderr on failure. */
export async function runScript(file: string, args: string[], timeoutMs: number): Promise<string> {
  const proc = track(Bun.spawn([process.execPath, join(BENCH_DIR, file), ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" }));
  const { out, err, code } = await collect(proc, timeoutMs, `bench/${file}`);
  if (code !== 0) throw new Error(`bench/${file} failed (exit ${code}): ${err.trim()}`);
  return out;
}
