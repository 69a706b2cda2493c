import type { Subprocess } from "bun";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/harness.ts";

export const repo = join(import.meta.dir, "../..");

export type Run = { code: number; stdout: string; stderr: string };

/**
 * Hang guards, not timings: a CLI run or a server start that takes this long is stuck, and is killed so the
 * failure names the command instead of surfacing as a test timeout with a process left behind.
 */
export const RUN_DEADLINE_MS = 30_000;
export const STARTUP_DEADLINE_MS = 30_000;
/** The longest a server may live: twice the per-test timeout, so one a timed-out test lost still goes away. */
export const SERVER_LIFETIME_MS = 120_000;

/**
 * A minimal environment for a child: PATH, HOME, TMPDIR and LANG (the same list as tests/support/process.ts),
 * then what the test passes. Nothing else is inherited, so the host's ARGUS_*, PORT or HOST settings cannot
 * leak into a test.
 */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG"]) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  return { ...env, ...extra };
}

// Every child a test starts, so one that outlives its test (a test timeout skips its finally) still dies with the
// test process.
const live = new Set<Subprocess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});
export function track<P extends Subprocess>(proc: P): P {
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  return proc;
}

/** Kills `proc` unless it has already exited, and waits for it. */
export async function kill(proc: Subprocess, signal: NodeJS.Signals = "SIGKILL") {
  if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
  await proc.exited;
}

/**
 * Runs `cmd` to completion with a deadline: stdout and stderr collected, stdin given or closed. A run killed by
 * the deadline throws with what it printed.
 */
export async function exec(
  cmd: string[],
  opts: { cwd?: string; env?: Record<string, string>; stdin?: string; deadlineMs?: number } = {},
): Promise<Run> {
  const proc = track(
    Bun.spawn(cmd, {
      cwd: opts.cwd ?? repo,
      env: opts.env ?? baseEnv(),
      stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
      stdout: "pipe",
      stderr: "pipe",
      timeout: opts.deadlineMs ?? RUN_DEADLINE_MS,
      killSignal: "SIGKILL",
    }),
  );
  try {
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (proc.signalCode !== null) {
      throw new Error(`${cmd.join(" ")} was killed (${proc.signalCode}) after its ${opts.deadlineMs ?? RUN_DEADLINE_MS} ms deadline\nstdout: ${stdout}\nstderr: ${stderr}`);
    }
    return { code, stdout, stderr };
  } finally {
    await kill(proc);
  }
}

/** Runs `bun server/main.ts <args>` the way an operator would: a fresh process with only the given environment. */
export function argus(args: string[], opts: { dataDir?: string; env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  const env = baseEnv({ ...(opts.dataDir ? { ARGUS_DATA_DIR: opts.dataDir } : {}), ...opts.env });
  return exec(["bun", "server/main.ts", ...args], { cwd: repo, env, stdin: opts.stdin });
}

/** A data directory, removed by `remove`. */
export function dataDirFixture() {
  const dir = tempDir();
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `argus users create` with the password on stdin, failing the test loudly if it does not work. */
export async function createUser(dataDir: string, email: string, opts: { admin?: boolean; password?: string; name?: string } = {}) {
  const r = await argus(
    ["users", "create", "--email", email, "--password-stdin", "--json", ...(opts.admin ? ["--admin"] : []), ...(opts.name ? ["--name", opts.name] : [])],
    { dataDir, stdin: (opts.password ?? "correct horse battery") + "\n" },
  );
  if (r.code !== 0) throw new Error(`users create failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { id: string; email: string; role: string };
}

export type Server = Awaited<ReturnType<typeof startServer>>;

/**
 * A real `argus serve` on a free port, with its URL read from its own "argus listening" log line. stderr is
 * drained for the server's whole life (so it never blocks on a full pipe) and ends when the process does;
 * the process is killed if it does not listen within the startup deadline, and in any case after
 * SERVER_LIFETIME_MS. Callers stop it with `stop()` in a finally.
 */
export async function startServer(dataDir: string, cmd: string[] = ["bun", "server/main.ts", "serve"], cwd = repo) {
  const proc = track(
    Bun.spawn([...cmd, "--port", "0", "--host", "127.0.0.1"], {
      cwd,
      // Suites sign several accounts up from loopback (the binary's SIGTERM test, 8 at once): no per-address limit.
      env: baseEnv({ ARGUS_DATA_DIR: dataDir, ARGUS_SIGNUP_LIMIT_PER_HOUR: "0" }),
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
      timeout: SERVER_LIFETIME_MS,
      killSignal: "SIGKILL",
    }),
  );
  const decoder = new TextDecoder();
  let log = "";
  let listening!: (url: string) => void;
  const url = new Promise<string>((resolve) => (listening = resolve));
  const waiters: { text: string; found: () => void }[] = [];
  // Reads until the pipe closes, which is when the server exits (it starts no children of its own).
  const drained = (async () => {
    for await (const chunk of proc.stderr) {
      log += decoder.decode(chunk, { stream: true });
      const found = log.match(/"msg":"argus listening","url":"(http:[^"]+?)\/?"/)?.[1];
      if (found) listening(found);
      for (const w of waiters.splice(0)) if (log.includes(w.text)) w.found();
      else waiters.push(w);
    }
    return log;
  })();

  let deadline: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    deadline = setTimeout(() => reject(new Error(`server did not listen within ${STARTUP_DEADLINE_MS} ms: ${log}`)), STARTUP_DEADLINE_MS);
  });
  const exitedEarly = drained.then(async () => {
    throw new Error(`server exited (code ${await proc.exited}) before listening: ${log}`);
  });
  let serverUrl: string;
  try {
    serverUrl = await Promise.race([url, stuck, exitedEarly]);
  } catch (e) {
    await kill(proc);
    throw e;
  } finally {
    clearTimeout(deadline);
  }
  exitedEarly.catch(() => {}); // after a successful start, the pipe ending is the normal way out

  return {
    proc,
    url: serverUrl,
    /** Resolves once the server has written `text` to stderr; rejects if it exits without doing so. */
    waitForLog(text: string): Promise<void> {
      return Promise.race([
        new Promise<void>((found) => (log.includes(text) ? found() : waiters.push({ text, found }))),
        drained.then(() => {
          if (!log.includes(text)) throw new Error(`server exited without logging ${JSON.stringify(text)}: ${log}`);
        }),
      ]);
    },
    /** Everything the server wrote to stderr, once it has exited. */
    async logs() {
      await proc.exited;
      return drained;
    },
    /** Sends `signal` (if it is still running) and resolves with its exit code. */
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return proc.exited;
    },
  };
}
