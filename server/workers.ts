import { openDatabase } from "../db/client.ts";
import type { Config } from "./config.ts";
import { resolveJwtSecret } from "./core/secret.ts";
import type { Logger } from "./logger.ts";

export const WORKER_ENV = "ARGUS_WORKER_CHILD";
export const isWorkerChild = () => process.env[WORKER_ENV] === "1";

/**
 * Starts `config.workers` processes of this same program, each listening on the port with SO_REUSEPORT and
 * sharing the SQLite file; the limiter is Redis (config validation insists). Signals are passed on, and
 * the primary exits once every worker has drained.
 */
export async function runWorkers(config: Config, logger: Logger): Promise<never> {
  // Migrate and create the secret once, here, so workers never race to do it.
  openDatabase(config.dataDir).$client.close();
  resolveJwtSecret(config.dataDir, config.jwtSecret, logger);
  // Compiled, Bun.main lives inside the binary and execPath is the binary itself.
  const self = Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
  const env = { ...process.env, [WORKER_ENV]: "1", ARGUS_WORKERS: "1", PORT: String(config.port), HOST: config.host };
  const children = Array.from({ length: config.workers }, () =>
    Bun.spawn([...self, "serve"], { env, stdio: ["ignore", "inherit", "inherit"] }),
  );
  logger.info("started workers", { workers: children.map((c) => c.pid), port: config.port });
  const forward = (signal: NodeJS.Signals) => children.forEach((c) => c.kill(signal));
  process.on("SIGTERM", () => forward("SIGTERM"));
  process.on("SIGINT", () => forward("SIGINT"));
  const codes = await Promise.all(children.map((c) => c.exited));
  process.exit(codes.every((c) => c === 0) ? 0 : 1);
}
