import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/harness.ts";

export const repo = join(import.meta.dir, "../..");

export type Run = { code: number; stdout: string; stderr: string };

/** The runner's environment without ARGUS_*, PORT and HOST, so the host's settings cannot leak into a test. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(ARGUS_|PORT$|HOST$)/.test(k)) env[k] = v;
  return env;
}

/** Runs `bun server/main.ts <args>` the way an operator would: a fresh process with the given environment. */
export async function argus(args: string[], opts: { dataDir?: string; env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  const env = cleanEnv();
  if (opts.dataDir) env.ARGUS_DATA_DIR = opts.dataDir;
  const proc = Bun.spawn(["bun", "server/main.ts", ...args], {
    cwd: repo,
    env: { ...env, ...opts.env },
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** A data directory for one test file, removed afterwards. */
export function dataDirFixture() {
  const dir = tempDir();
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `argus users create` with the password on stdin, failing the test loudly if it does not work. */
export async function createUser(dataDir: string, email: string, opts: { admin?: boolean; password?: string } = {}) {
  const r = await argus(["users", "create", "--email", email, "--password-stdin", "--json", ...(opts.admin ? ["--admin"] : [])], {
    dataDir,
    stdin: (opts.password ?? "correct horse battery") + "\n",
  });
  if (r.code !== 0) throw new Error(`users create failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { id: string; email: string; role: string };
}

/** A real `argus serve` on a free port, with its URL read from its own "argus listening" log line. */
export async function startServer(dataDir: string, cmd: string[] = ["bun", "server/main.ts", "serve"], cwd = repo) {
  const proc = Bun.spawn([...cmd, "--port", "0", "--host", "127.0.0.1"], {
    cwd,
    env: { ...cleanEnv(), ARGUS_DATA_DIR: dataDir },
    stdout: "ignore",
    stderr: "pipe",
  });
  const reader = proc.stderr.getReader();
  const decoder = new TextDecoder();
  let log = "";
  let url: string | undefined;
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before listening: ${log}`);
    log += decoder.decode(value);
    url = log.match(/"msg":"argus listening","url":"(http:[^"]+?)\/?"/)?.[1];
  }
  // Keep draining stderr so the server never blocks on a full pipe; tests can read it afterwards.
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return log;
      log += decoder.decode(value);
    }
  })();
  return { proc, url, logs: () => rest };
}
