import { resolve } from "node:path";
import type { Config } from "./config.ts";
import type { Core } from "./core/index.ts";
import consoleIndex from "../console/index.html";
import { createApp } from "./http/app.ts";

const DRAIN_MS = 10_000;
// Requests written just before SIGTERM may still sit unread in their sockets; stopping closes any connection that
// has no request in progress, losing them. So the listener stays up until nothing has arrived for this long.
const QUIET_MS = 300;

/** Listens until SIGTERM/SIGINT, then drains in-flight requests, flushes write-behind state and closes SQLite. */
export function serve(core: Core, config: Config, opts: { reusePort?: boolean; onStopped?: (code: number) => void } = {}) {
  const { logger } = core.deps;
  // Bun serves an imported HTML page (and the files it bundles from it) only from a route of its own, where no
  // middleware runs and no header can be set. So the console (console/index.html) sits on a loopback listener of
  // its own, and the app passes its answers on with the headers every answer carries (http/console-pages.ts).
  // development: false serves the minified bundle without Bun's dev-mode inline script (the CSP forbids it).
  const consoleFiles = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    routes: { "/": consoleIndex },
    fetch: () => new Response(null, { status: 404 }),
  });
  const app = createApp(core, { console: consoleFiles.url });
  core.audit.start();
  let inFlight = 0;
  let lastArrival = 0;
  let draining = false;
  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    reusePort: opts.reusePort,
    development: false,
    async fetch(req, srv) {
      inFlight++;
      lastArrival = performance.now();
      try {
        const res = await app.fetch(req, srv);
        // While draining, keep-alive clients are told to reconnect (elsewhere, or once we are back).
        if (draining) res.headers.set("Connection", "close");
        return res;
      } finally {
        inFlight--;
      }
    },
  });
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
    draining = true;
    const started = performance.now();
    const deadline = started + DRAIN_MS;
    logger.info("shutting down", { signal });
    // Answer everything already received: wait until no request is running and none has arrived for a moment.
    while (performance.now() < deadline && (inFlight > 0 || performance.now() - lastArrival < QUIET_MS)) await Bun.sleep(25);
    void consoleFiles.stop(true);
    const drained = await Promise.race([
      server.stop(false).then(() => true),
      Bun.sleep(Math.max(0, deadline - performance.now())).then(() => false),
    ]);
    if (!drained) {
      logger.warn("requests still running after the drain timeout, closing them", { timeoutMs: DRAIN_MS });
      await server.stop(true);
    }
    let code = 0;
    try {
      // Writes pending lastUsedAt values, stops the database threads, closes the limiter store and SQLite.
      await core.close();
    } catch (e) {
      logger.error("error while closing", { error: e instanceof Error ? e.message : String(e) });
      code = 1;
    }
    logger.info("stopped", { ms: Math.round(performance.now() - started) });
    (opts.onStopped ?? process.exit)(code);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  return Object.assign(server, { shutdown });
}
