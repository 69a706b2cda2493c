import { createHarness, listen } from "../support/harness.ts";

/**
 * The real app on a real socket, over createHarness: the client is exercised over HTTP exactly as a user would,
 * while time is the harness's manual clock, so rate-limit buckets refill only when a test advances it.
 */
export async function startArgus() {
  const h = await createHarness({ logLevel: "silent" });
  const socket = listen(h);
  return {
    core: h.core,
    clock: h.clock,
    url: socket.url,
    async stop() {
      await socket.stop();
      await h.close();
    },
  };
}

/** A fetch that records the URL of what goes over the wire (each batch is one call). */
export function countingFetch() {
  const calls: string[] = [];
  const f = ((...args: Parameters<typeof fetch>) => {
    const [input] = args;
    calls.push(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    return fetch(...args);
  }) as typeof fetch;
  return { fetch: f, calls };
}

/**
 * A stand-in for the retry link's sleep: records every wait asked for (with its signal) and calls `onSleep`,
 * which by default returns at once. Nothing here waits on a timer.
 */
export function recordingSleep(onSleep: (ms: number, signal?: AbortSignal) => Promise<void> | void = () => {}) {
  const waits: { ms: number; signal?: AbortSignal }[] = [];
  const sleep = async (ms: number, signal?: AbortSignal) => {
    waits.push({ ms, signal });
    await onSleep(ms, signal);
  };
  return { sleep, waits, delays: () => waits.map((w) => w.ms) };
}
