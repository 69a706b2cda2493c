import { rmSync } from "node:fs";
import { bootCore } from "../../server/boot.ts";
import { testConfig } from "../../server/config.ts";
import { createApp } from "../../server/http/app.ts";
import { createLogger } from "../../server/logger.ts";
import { tempDir, TEST_PASSWORD_COST } from "../support/harness.ts";

/**
 * The real app on a real socket with the real clock: the client is exercised over HTTP exactly as a user would,
 * and rate-limit buckets refill in wall time (which the retry test waits on, by design of the feature).
 */
export async function startArgus() {
  const dataDir = tempDir();
  const core = await bootCore(testConfig({ dataDir, logLevel: "silent" }), {
    logger: createLogger("silent"),
    passwordCost: TEST_PASSWORD_COST,
  });
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: createApp(core).fetch });
  return {
    core,
    url: `http://127.0.0.1:${server.port}`,
    async stop() {
      await server.stop(true);
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fetch that counts what goes over the wire (each batch is one). */
export function countingFetch() {
  const calls: number[] = [];
  const f = ((...args: Parameters<typeof fetch>) => {
    calls.push(performance.now());
    return fetch(...args);
  }) as typeof fetch;
  return { fetch: f, calls };
}
