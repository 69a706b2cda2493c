// A throwaway redis-server for the scenarios that need one (tests/support/redis.ts starts it).
import { onCleanup } from "./procs.ts";
import { log } from "./report.ts";

/** Starts redis-server, or says why not and returns undefined; stopped by its own handle here or at cleanup. */
export async function maybeRedis(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  try {
    const { startRedis } = await import("../../tests/support/redis.ts");
    const r = await startRedis();
    return { url: r.url, stop: onCleanup(() => r.stop()) };
  } catch (e) {
    log(`redis unavailable: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
