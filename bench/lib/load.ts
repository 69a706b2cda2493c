// Load generation for the bench scenarios: wrk when it is on PATH, otherwise the Bun generator in this file.
//
// Both take a list of requests and cycle through them (so a run can rotate over several API keys), run a short
// warm-up whose numbers are discarded, then `connections` concurrent loops for `durationMs`, and report
// req/s, p50/p99 latency and how many answers were not 2xx/3xx.
//
// As a script (`bun bench/load.ts '<json LoadSpec>'`) it runs the Bun generator and prints one JSON LoadResult:
// the runner starts it as its own process, as it would start wrk, so the generator never shares an event loop
// with the runner's other work.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinned } from "./pin.ts";
import { cpuSeconds } from "./procstat.ts";
import { track } from "./procs.ts";

export type LoadRequest = { method?: string; path: string; headers?: Record<string, string>; body?: string };
export type LoadSpec = {
  baseUrl: string;
  requests: LoadRequest[];
  connections: number;
  durationMs: number;
  warmupMs: number;
  /**
   * Fetched once after every wrk run (warm-up included) and awaited. A server that runs requests synchronously
   * still owes answers to the connections wrk just closed; this request queues behind them, so the next run does
   * not start against someone else's backlog.
   */
  drainPath?: string;
  /** The server's pid: its CPU time over the measured run is reported per request (wrk only). */
  serverPid?: number;
};
export type LoadResult = {
  tool: "wrk" | "bun";
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers outside 2xx/3xx (for a valid key on these routes that can only be 429). */
  non2xx: number;
  /** Socket-level failures: connect, read, write, timeout. */
  errors: number;
  /**
   * Server CPU time (all its threads) per answered request over the measured run, µs. What a request costs the
   * server whatever else the machine runs: the robust figure when other tenants squeeze the req/s.
   */
  cpuUs?: number;
};

export const wrkPath = () => Bun.which("wrk");

/** Runs one load with wrk if available (BENCH_LOADGEN=bun forces the Bun generator). */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const wrk = process.env.BENCH_LOADGEN === "bun" ? null : wrkPath();
  return wrk ? runWrk(wrk, spec) : runBunSubprocess(spec);
}

// ---------------------------------------------------------------------------------------------------- wrk

// Long-bracket strings: nothing in a path, header or JSON body we send can close `]==]`.
const lua = (s: string) => {
  if (s.includes("]==]")) throw new Error(`cannot embed ${JSON.stringify(s)} in the wrk script`);
  return `[==[${s}]==]`;
};

function wrkScript(requests: LoadRequest[]): string {
  const specs = requests.map((r) => {
    const headers = Object.entries(r.headers ?? {}).map(([k, v]) => `[ ${lua(k)} ] = ${lua(v)}`).join(", ");
    return `{ method = ${lua(r.method ?? "GET")}, path = ${lua(r.path)}, headers = { ${headers} }, body = ${r.body === undefined ? "nil" : lua(r.body)} }`;
  });
  // Requests are formatted once in init(); request() only hands out the next prebuilt string (cheap in LuaJIT).
  return `
local specs = {
  ${specs.join(",\n  ")}
}
local reqs, n, i = {}, 0, 0
function init(args)
  for _, s in ipairs(specs) do
    n = n + 1
    reqs[n] = wrk.format(s.method, s.path, s.headers, s.body)
  end
end
function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %.0f %.0f %.0f %.0f %.0f %.0f\\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

async function wrkOnce(wrk: string, script: string, spec: LoadSpec, durationMs: number): Promise<LoadResult> {
  const seconds = Math.max(1, Math.round(durationMs / 1000));
  // One thread: on two cores wrk gets one and the server the other. A 10 s timeout instead of wrk's 2 s: a slow
  // route queued behind 50 connections can take seconds, and a timed-out request would drop out of the latencies.
  const { out, err, code } = await runTracked(pinned([wrk, "-t1", `-c${spec.connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", script, spec.baseUrl], "load"));
  const line = out.split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${err.trim() || out.trim()}`);
  const [requests, durationUs, non2xx, errors, p50Us, p99Us] = line.split(" ").slice(1).map(Number) as number[];
  const secs = durationUs! / 1e6;
  return {
    tool: "wrk",
    requests: requests!,
    seconds: secs,
    rps: requests! / secs,
    p50Ms: p50Us! / 1000,
    p99Ms: p99Us! / 1000,
    non2xx: non2xx!,
    errors: errors!,
  };
}

/** Runs a command to completion under the process tracker, collecting its output. */
async function runTracked(cmd: string[]) {
  const proc = track(Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" }));
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { out, err, code };
}

async function runWrk(wrk: string, spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "argus-wrk-"));
  try {
    const script = join(dir, "load.lua");
    writeFileSync(script, wrkScript(spec.requests));
    if (spec.warmupMs > 0) {
      await wrkOnce(wrk, script, spec, spec.warmupMs);
      await drain(spec);
    }
    const cpuBefore = spec.serverPid ? cpuSeconds(spec.serverPid) : NaN;
    const result = await wrkOnce(wrk, script, spec, spec.durationMs);
    if (spec.serverPid) result.cpuUs = ((cpuSeconds(spec.serverPid) - cpuBefore) * 1e6) / result.requests;
    await drain(spec);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function drain(spec: LoadSpec) {
  if (!spec.drainPath) return;
  await fetch(spec.baseUrl + spec.drainPath).then((r) => r.arrayBuffer(), () => undefined);
}

// ---------------------------------------------------------------------------------------------- Bun fallback

async function runBunSubprocess(spec: LoadSpec): Promise<LoadResult> {
  const { out, err, code } = await runTracked(pinned([process.execPath, join(import.meta.dir, "load.ts"), JSON.stringify(spec)], "load"));
  if (code !== 0) throw new Error(`bench/load.ts failed (exit ${code}): ${err.trim()}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as LoadResult;
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** N concurrent fetch loops over keep-alive connections; latencies of the measured window only. */
export async function bunLoad(spec: LoadSpec): Promise<LoadResult> {
  const prepared = spec.requests.map((r) => ({
    url: spec.baseUrl + r.path,
    init: { method: r.method ?? "GET", headers: r.headers, body: r.body } satisfies RequestInit,
  }));
  let next = 0;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let non2xx = 0;
  let errors = 0;
  let recording = false;
  let running = true;

  const record = (ms: number) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
  };

  const loop = async () => {
    while (running) {
      const r = prepared[next++ % prepared.length]!;
      const started = performance.now();
      try {
        const res = await fetch(r.url, r.init);
        await res.arrayBuffer();
        if (!recording) continue;
        record(performance.now() - started);
        if (res.status >= 400) non2xx++;
      } catch {
        if (recording) errors++;
      }
    }
  };

  const loops = Array.from({ length: spec.connections }, loop);
  await Bun.sleep(spec.warmupMs);
  recording = true;
  const started = performance.now();
  await Bun.sleep(spec.durationMs);
  recording = false;
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await Promise.all(loops);

  const sorted = latencies.subarray(0, count).sort();
  return {
    tool: "bun",
    requests: count,
    seconds,
    rps: count / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    non2xx,
    errors,
  };
}

if (import.meta.main) {
  const arg = process.argv[2];
  if (!arg) {
    console.error("usage: bun bench/load.ts '<json LoadSpec>'  (normally started by the bench scenarios)");
    process.exit(2);
  }
  console.log(JSON.stringify(await bunLoad(JSON.parse(arg) as LoadSpec)));
}
