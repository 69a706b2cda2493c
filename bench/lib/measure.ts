// Measuring: a load run, interleaved rounds with the bare-Bun baseline, one-connection service times, statistics.
import { CONNECTIONS, DURATION_MS, ROUNDS, WARMUP_MS } from "./config.ts";
import { runLoad, type LoadRequest, type LoadResult } from "./load.ts";
import { fmt, log } from "./report.ts";
import { bareServer } from "./servers.ts";
import { median } from "./stats.ts";

export { median, percentile } from "./stats.ts";

export const load = (base: string, requests: LoadRequest[], connections = CONNECTIONS, drainPath = "/api/health", serverPid?: number) =>
  runLoad({ baseUrl: base, requests, connections, durationMs: DURATION_MS, warmupMs: WARMUP_MS, drainPath, serverPid });

/** Service time without queueing: `n` requests one after another on one connection, median and max in ms. */
export async function sequential(base: string, req: LoadRequest, n: number): Promise<{ median: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < n + 2; i++) {
    const t = performance.now();
    const res = await fetch(base + req.path, { method: req.method ?? "GET", headers: req.headers, body: req.body });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${req.path} answered ${res.status}`);
    if (i >= 2) times.push(performance.now() - t); // the first two warm the connection and caches
  }
  return { median: median(times), max: Math.max(...times) };
}

export type Case = {
  name: string;
  base: string;
  requests: LoadRequest[];
  /** Started before the case's load (warm-up included); the function it returns is awaited after it. */
  during?: () => () => Promise<unknown>;
  /** Fewer rounds for a case whose verdict noise cannot flip (a route 10× off its target), to save time. */
  rounds?: number;
  /** The server's pid, for its CPU time per request. */
  pid?: number;
};
/** The best round by req/s; `cpuUs` is the lowest server CPU per request of any round (noise only adds to it). */
export type Measured = LoadResult & { all: LoadResult[] };

/** The name under which `interleaved` reports the bare Bun.serve baseline. */
export const BARE = "bare";

/**
 * Runs the cases interleaved (bare A B C, bare A B C, ...) for ROUNDS rounds and keeps each case's best round by
 * req/s: noise from other tenants only ever slows a round down, so the best round is the closest to the code's
 * cost. The bare `Bun.serve` route (bench/bare-server.ts) runs first in every round, so every case can be read as
 * a ratio to what the machine does with no framework at all, measured in the same minutes.
 */
export async function interleaved(cases: Case[], rounds = ROUNDS, opts: { bare?: boolean } = {}): Promise<Map<string, Measured>> {
  const bare = opts.bare === false ? undefined : await bareServer();
  const all = bare ? [{ name: BARE, base: bare.url, pid: bare.pid, requests: [{ path: "/" }] } as Case, ...cases] : cases;
  const results = new Map<string, Measured>();
  for (let round = 1; round <= rounds; round++) {
    for (const c of all) {
      if (round > (c.rounds ?? rounds)) continue;
      const finish = c.during?.();
      let r: LoadResult;
      try {
        r = await load(c.base, c.requests, undefined, c.name === BARE ? "/" : "/api/health", c.pid);
      } finally {
        await finish?.();
      }
      const cpu = r.cpuUs === undefined ? "" : `, server CPU ${r.cpuUs.toFixed(1)} µs/req`;
      log(`round ${round} ${c.name}: ${fmt.rps(r.rps)} req/s, p50 ${fmt.ms(r.p50Ms)} ms, p99 ${fmt.ms(r.p99Ms)} ms, non-2xx ${r.non2xx}, errors ${r.errors}${cpu}`);
      const prev = results.get(c.name);
      const runs = [...(prev?.all ?? []), r];
      const cpus = runs.map((x) => x.cpuUs).filter((x): x is number => x !== undefined && Number.isFinite(x));
      results.set(c.name, { ...(prev && prev.rps >= r.rps ? prev : r), cpuUs: cpus.length ? Math.min(...cpus) : undefined, all: runs });
    }
  }
  return results;
}
