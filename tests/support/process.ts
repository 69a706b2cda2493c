import type { Subprocess } from "bun";

/** The environment for a spawned Argus: only what a process needs, so host ARGUS_* or PORT cannot leak into a test. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keep = ["PATH", "HOME", "TMPDIR", "LANG"].filter((k) => process.env[k] !== undefined);
  return { ...Object.fromEntries(keep.map((k) => [k, process.env[k]!])), ...extra };
}

export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

export type ServerProcess = { url: string; proc: Subprocess; stop(signal?: NodeJS.Signals): Promise<number> };

/** Starts `cmd` (default: `bun server/main.ts`) with env on a free port and waits for /api/health. */
export async function startServerProcess(env: Record<string, string>, cmd = ["bun", "server/main.ts"]): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : freePort();
  const proc = Bun.spawn(cmd, {
    env: cleanEnv({ HOST: "127.0.0.1", ARGUS_LOG_LEVEL: "warn", ...env, PORT: String(port) }),
    stdout: "ignore",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000; // a hang guard, not a timing: a loaded CI box can take seconds
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited early with code ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {}
    if (Date.now() > until) {
      proc.kill();
      throw new Error("server did not become healthy");
    }
    await Bun.sleep(20);
  }
  return {
    url, proc,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      proc.kill(signal);
      return proc.exited;
    },
  };
}
