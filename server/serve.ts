import { resolve } from "node:path";
import type { Config } from "./config.ts";
import type { Core } from "./core/index.ts";
import { createApp } from "./http/app.ts";

const DRAIN_MS = 10_000;

/** Listens until SIGTERM/SIGINT, then drains in-flight requests, flushes write-behind state and closes SQLite. */
export function serve(core: Core, config: Config, opts: { reusePort?: boolean } = {}) {
  const { logger } = core.deps;
  const app = createApp(core);
  const server = Bun.serve({ port: config.port, hostname: config.host, fetch: app.fetch, reusePort: opts.reusePort });
  // The start line says where to go next: the reference, where the data lives, whether anyone can sign up.
  const docs = new URL("/api/docs", server.url);
  if (docs.hostname === "0.0.0.0" || docs.hostname === "[::]") docs.hostname = "localhost"; // a link that opens
  logger.info("argus listening", {
    url: server.url.href,
    docs: docs.href,
    dataDir: resolve(config.dataDir),
    registration: config.allowRegistration ? "open" : "closed",
    pid: process.pid,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      // A second signal means "now": cut open connections, but still flush and close the database below.
      logger.warn("second signal, closing open connections", { signal });
      void server.stop(true);
      return;
    }
    stopping = true;
    const started = performance.now();
    logger.info("shutting down", { signal });
    // stop(false) closes the listener at once and resolves when in-flight requests have answered.
    const drained = await Promise.race([
      server.stop(false).then(() => true),
      new Promise<false>((resolve) => setTimeout(resolve, DRAIN_MS, false).unref()),
    ]);
    if (!drained) {
      logger.warn("requests still running after the drain timeout, closing them", { timeoutMs: DRAIN_MS });
      await server.stop(true);
    }
    let code = 0;
    try {
      // Writes pending lastUsedAt values, closes the limiter store and SQLite (checkpointing the WAL).
      await core.close();
    } catch (e) {
      logger.error("error while closing", { error: e instanceof Error ? e.message : String(e) });
      code = 1;
    }
    logger.info("stopped", { ms: Math.round(performance.now() - started) });
    process.exit(code);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  return server;
}
