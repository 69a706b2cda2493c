import { describe } from "bun:test";
import type { Subprocess } from "bun";

export type RedisServer = { url: string; port: number; pid: number; stop(): Promise<void> };

/** Spawns a throwaway redis-server on loopback; pass `port` to bring one back where it was. Throws if not installed. */
export async function startRedis(opts: { port?: number } = {}): Promise<RedisServer> {
  const bin = Bun.which("redis-server");
  if (!bin) throw new Error("redis-server is not on PATH (apt-get install -y redis-server); the Redis tests need it");
  const port = opts.port ?? freePort();
  const proc = Bun.spawn(
    [bin, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
    { stdout: "pipe", stderr: "pipe" }, // read only if it dies early; warning level keeps the pipe from filling
  );
  const stop = async () => {
    proc.kill("SIGTERM");
    await proc.exited;
  };
  try {
    await waitForPing(port, proc);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: proc.pid, stop };
}

function freePort(): number {
  // Bind port 0 and release it: the kernel won't hand the same port out again straight away.
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

async function waitForPing(port: number, proc: Subprocess, deadlineMs = 5_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) {
      const output = await new Response(proc.stdout as ReadableStream).text();
      throw new Error(`redis-server exited early with code ${proc.exitCode}: ${output.trim()}`);
    }
    if ((await answeringPid(port)) === proc.pid) return;
    await Bun.sleep(20);
  }
  throw new Error(`redis-server on port ${port} did not answer within ${deadlineMs} ms`);
}

/**
 * The pid of the Redis answering on `port` (via INFO), or undefined. Checking the pid, not just PONG, means a
 * server someone else left on the port can't pass for ours. Raw RESP, so readiness doesn't depend on the client
 * under test.
 */
function answeringPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    let reply = "";
    const done = (pid: number | undefined, socket?: { end(): void }) => {
      resolve(pid); // first: end() fires close synchronously, which would settle it as undefined
      socket?.end();
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (s) => void s.write("INFO server\r\n"),
        data: (s, chunk) => {
          reply += chunk.toString();
          const pid = /process_id:(\d+)\r\n/.exec(reply)?.[1];
          if (pid) done(Number(pid), s);
          else if (reply.startsWith("-")) done(undefined, s); // e.g. LOADING
        },
        error: () => done(undefined),
        connectError: () => done(undefined),
        close: () => done(undefined),
      },
    }).catch(() => done(undefined));
  });
}

/**
 * Redis suites need a real redis-server. CI installs it (.ci/run) and runs them always; on a machine without it
 * `bun test` skips them with this note instead of failing the quick start.
 */
export const skipRedis = !Bun.which("redis-server") && !process.env.CI;
if (skipRedis) console.warn("redis-server is not installed: skipping the Redis suites (apt-get install -y redis-server)");
export const describeRedis = skipRedis ? describe.skip : describe;
