import { openDatabase } from "../db/client.ts";
import type { Config } from "./config.ts";
import { resolveJwtSecret } from "./core/secret.ts";
import type { Logger } from "./logger.ts";

export const WORKER_ENV = "ARGUS_WORKER_CHILD";
export const isWorkerChild = () => process.env[WORKER_ENV] === "1";

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;
const STABLE_MS = 30_000; // a worker that lived this long resets the back-off

/**
 * Supervises `config.workers` processes of this same program, each listening on the port with SO_REUSEPORT and
 * sharing the SQLite file; the limiter is Redis (config validation insists). A worker that exits is logged and
 * started again with back-off. Each worker holds a pipe from the primary on stdin and drains when it closes, so
 * workers go away however the primary dies. SIGTERM/SIGINT drain every worker; the primary then exits 0.
 */
export async function runWorkers(config: Config, logger: Logger): Promise<never> {
  // Migrate and create the secret once, here, so workers never race to do it.
  openDatabase(config.dataDir).$client.close();
  resolveJwtSecret(config.dataDir, config.jwtSecret, logger);
  // Compiled, Bun.main lives inside the binary and execPath is the binary itself.
  const self = Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
  const env = { ...process.env, [WORKER_ENV]: "1", ARGUS_WORKERS: "1", PORT: String(config.port), HOST: config.host };
  let stopping = false;
  const live = new Set<ReturnType<typeof Bun.spawn>>();

  const run = async (slot: number) => {
    let backoff = FIRST_BACKOFF_MS;
    while (!stopping) {
      const started = Date.now();
      const child = Bun.spawn([...self, "serve"], { env, stdin: "pipe", stdout: "inherit", stderr: "inherit" });
      live.add(child);
      logger.info("worker started", { slot, pid: child.pid });
      const code = await child.exited;
      live.delete(child);
      if (stopping) return code === 0;
      logger.error("worker exited; restarting", { slot, pid: child.pid, code, signal: child.signalCode, restartInMs: backoff });
      if (Date.now() - started >= STABLE_MS) backoff = FIRST_BACKOFF_MS;
      await Bun.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
    return true;
  };

  const slots = Array.from({ length: config.workers }, (_, i) => run(i));
  logger.info("started workers", { workers: config.workers, port: config.port });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping workers", { signal });
    for (const child of live) child.kill(signal);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  const clean = await Promise.all(slots);
  process.exit(clean.every(Boolean) ? 0 : 1);
}

/** In a worker: drain and exit when the primary goes away (its end of our stdin closes, however it died). */
export function exitWithPrimary(shutdown: (reason: string) => unknown) {
  void (async () => {
    const reader = Bun.stdin.stream().getReader();
    while (!(await reader.read()).done) {}
    await shutdown("primary exited");
  })();
}
