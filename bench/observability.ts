// What the access log and the metrics cost: `bun bench/observability.ts`.
//
// Two servers (bench/server.ts) in the same run, identical but for ARGUS_ACCESS_LOG, ARGUS_METRICS and ARGUS_USAGE
// (all three on vs all three off). Both log at `info`, so "on" really writes a line per request (to a file, as a service manager would
// take it). The key route (`GET /api/auth/me`, X-API-Key, 16 keys rotated) is loaded on each, interleaved over
// BENCH_ROUNDS rounds, best round kept. Target: on ≥ 0.9× off req/s.
// Beside req/s, each server's own CPU time per request (/proc/<pid>/stat, over the measured window only): other
// tenants of a shared box slow a round down, but they do not add CPU time to our process, so this ratio is the
// steadier measure of what the feature costs.
// Last, the same comparison in process (app.fetch, no sockets, no load generator): blocks of requests to both
// apps interleaved in random order, CPU per request from process.cpuUsage, median over the blocks.
// Knobs as in bench/run.ts: BENCH_DURATION_S (5), BENCH_WARMUP_S (1), BENCH_CONNECTIONS (50), BENCH_ROUNDS (3).
// BENCH_BASELINE_ROOT=<another checkout>: that checkout's bench/server.ts on and off as well, in the same rounds
// (before vs after a change, under the same load), reported on a line of their own. BENCH_OBS_PROXY=1: see PROXY.
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootCore } from "../server/boot.ts";
import { testConfig } from "../server/config.ts";
import { createApp } from "../server/http/app.ts";
import { batchedLines, createLogger } from "../server/logger.ts";
import { runLoad, type LoadResult } from "./lib/load.ts";
import { cleanupAll, onCleanup, stop, track } from "./lib/procs.ts";
import { cpuSeconds } from "./lib/procstat.ts";

const ROOT = join(import.meta.dir, "..");
const DURATION_MS = Number(process.env.BENCH_DURATION_S ?? 5) * 1000;
const WARMUP_MS = Number(process.env.BENCH_WARMUP_S ?? 1) * 1000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const KEYS = 16;
// BENCH_OBS_PROXY=1: as behind a reverse proxy: both servers trust X-Forwarded-For and every request carries one
// (16 client addresses), so the address comes from the header instead of the socket.
const PROXY = process.env.BENCH_OBS_PROXY === "1";
const RATE_LIMIT = 100_000;
const ADMIN = { email: "bench-admin@example.com", password: "bench admin password" };
const USER = { email: "bench-user@example.com", password: "bench user password" };

type Server = { name: string; url: string; log: string; pid: number; stop(): Promise<void> };
type Round = LoadResult & { cpuUsPerRequest: number };

/** bench/server.ts (of `root`) on a kernel-chosen port, stderr (the logs) to a file in its data dir. */
async function startServer(name: string, env: Record<string, string>, root = ROOT): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), `argus-bench-obs-${name}-`));
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  const log = join(dataDir, "server.log");
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ARGUS_") && !k.startsWith("BENCH_")));
  const proc = track(
    Bun.spawn([process.execPath, join(root, "bench", "server.ts")], {
      cwd: root,
      env: {
        ...inherited, PORT: "0", HOST: "127.0.0.1", ARGUS_DATA_DIR: dataDir, ARGUS_LOG_LEVEL: "info",
        ARGUS_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT), ARGUS_USER_RATE_LIMIT_PER_MINUTE: "0", ARGUS_SIGNUP_LIMIT_PER_HOUR: "0",
        ARGUS_ADMIN_EMAIL: ADMIN.email, ARGUS_ADMIN_PASSWORD: ADMIN.password, ARGUS_TRUST_PROXY: String(PROXY),
        ...env,
      },
      stdout: "pipe",
      stderr: Bun.file(log),
    }),
  );
  const reader = proc.stdout.getReader();
  let out = "";
  const deadline = Date.now() + 30_000;
  while (!/BENCH_READY (\d+)/.test(out)) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null)]);
    if (!chunk || chunk.done) throw new Error(`server ${name} did not start`);
    out += new TextDecoder().decode(chunk.value);
  }
  void (async () => {
    while (!(await reader.read().catch(() => ({ done: true }))).done) {}
  })();
  return { name, url: `http://127.0.0.1:${/BENCH_READY (\d+)/.exec(out)![1]}`, log, pid: proc.pid, stop: () => stop(proc) };
}

type Fetch = { fetch(r: Request): Response | Promise<Response> };
async function call(base: string, path: string, init: { method?: string; json?: unknown; token?: string } = {}, app?: Fetch, appPath?: string) {
  const req = new Request(app ? `http://argus${appPath}` : base + path, {
    method: init.method ?? (init.json ? "POST" : "GET"),
    headers: { "content-type": "application/json", ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.json ? JSON.stringify(init.json) : undefined,
  });
  const res = app ? await app.fetch(req) : await fetch(req);
  const body = (await res.json()) as any;
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

/** A user with 16 keys, each re-limited to 100,000/min by the admin, so the limiter never denies. */
async function keysOn(base: string): Promise<string[]> {
  const { token } = await call(base, "/api/auth/register", { json: USER });
  const admin = await call(base, "/api/auth/login", { json: ADMIN });
  const keys: string[] = [];
  for (let i = 0; i < KEYS; i++) {
    const k = await call(base, "/api/keys", { json: { name: `bench ${i}` }, token });
    await call(base, `/api/admin/api-keys/${k.id}`, { method: "PUT", json: { rateLimit: RATE_LIMIT }, token: admin.token });
    keys.push(k.key);
  }
  return keys;
}

const fmt = (r: Round) =>
  `${Math.round(r.rps).toLocaleString("en")} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ` +
  `${r.cpuUsPerRequest.toFixed(1)} CPU µs/req, non-2xx ${r.non2xx + r.errors}`;

/** A warm-up load (discarded), then the measured one with the server's CPU time read around it. */
async function measure(server: Server, keys: string[]): Promise<Round> {
  const spec = {
    baseUrl: server.url, connections: CONNECTIONS, warmupMs: 0, drainPath: "/api/health",
    requests: keys.map((k, i) => ({ path: "/api/auth/me", headers: { "X-API-Key": k, ...(PROXY ? { "X-Forwarded-For": `203.0.113.${i + 1}` } : {}) } })),
  };
  await runLoad({ ...spec, durationMs: WARMUP_MS });
  const cpu = cpuSeconds(server.pid);
  const r = await runLoad({ ...spec, durationMs: DURATION_MS });
  return { ...r, cpuUsPerRequest: ((cpuSeconds(server.pid) - cpu) * 1e6) / (r.requests + 1) };
}

async function main() {
  // BENCH_OBS_ON=access,metrics,usage (the default): which features the "on" server has, to price each one alone.
  const wanted = (process.env.BENCH_OBS_ON ?? "access,metrics,usage").split(",");
  const flag = (name: string) => String(wanted.includes(name));
  const onEnv = { ARGUS_ACCESS_LOG: flag("access"), ARGUS_METRICS: flag("metrics"), ARGUS_USAGE: flag("usage") };
  const offEnv = { ARGUS_ACCESS_LOG: "false", ARGUS_METRICS: "false", ARGUS_USAGE: "false" };
  const on = await startServer("on", onEnv);
  const off = await startServer("off", offEnv);
  const baseline = process.env.BENCH_BASELINE_ROOT;
  const servers = [on, off];
  if (baseline) servers.push(await startServer("baseline on", onEnv, baseline), await startServer("baseline off", offEnv, baseline));
  const best = new Map<string, Round>();
  const leastCpu = new Map<string, number>();
  const requests = new Map<Server, string[]>();
  for (const server of servers) requests.set(server, await keysOn(server.url));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const server of servers) {
      const r = await measure(server, requests.get(server)!);
      console.log(`· round ${round} ${server.name}: ${fmt(r)}`);
      if (!best.has(server.name) || best.get(server.name)!.rps < r.rps) best.set(server.name, r);
      leastCpu.set(server.name, Math.min(leastCpu.get(server.name) ?? Infinity, r.cpuUsPerRequest));
    }
  }
  // The "on" server really did the work: a line per request in its log, and its counters at /metrics.
  const lines = readFileSync(on.log, "utf8").split("\n").filter((l) => l.includes('"msg":"request"')).length;
  const scrape = await (await fetch(`${on.url}/metrics`)).text();
  const counted = scrape.match(/^argus_http_requests_total\{route="\/api\/auth\/me",method="GET",status="200"\} (\d+)/m)?.[1];
  const offScrape = (await fetch(`${off.url}/metrics`)).status;
  await Promise.all(servers.map((s) => s.stop()));

  const a = best.get("on")!;
  const b = best.get("off")!;
  const ratio = a.rps / b.rps;
  console.log(`\n### Observability (${CONNECTIONS} connections, ${DURATION_MS / 1000} s, best of ${ROUNDS}, ${a.tool})\n`);
  console.log("| key route `GET /api/auth/me` | req/s | p50 ms | p99 ms | CPU µs/req (least) | non-2xx |\n|---|---:|---:|---:|---:|---:|");
  for (const [name, r, key] of [["access log + metrics + usage on", a, "on"], ["all three off", b, "off"]] as const) {
    const cpu = leastCpu.get(key)!.toFixed(1);
    console.log(`| ${name} | ${Math.round(r.rps).toLocaleString("en")} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${cpu} | ${r.non2xx + r.errors} |`);
  }
  const cpuRatio = leastCpu.get("off")! / leastCpu.get("on")!;
  console.log(`\n- "on" wrote ${lines.toLocaleString("en")} access-log lines; its /metrics counted ${counted} key requests; "off" /metrics answered ${offScrape}`);
  console.log(`  [${ratio >= 0.9 ? "MET " : "MISS"}] on ≥ 0.9× off req/s: ${ratio.toFixed(2)}×`);
  console.log(`  [info] requests per CPU second, on ÷ off: ${cpuRatio.toFixed(2)}×`);
  if (baseline) {
    const [bOn, bOff] = [best.get("baseline on")!, best.get("baseline off")!];
    const [cOn, cOff] = [leastCpu.get("baseline on")!, leastCpu.get("baseline off")!];
    console.log(`  [info] baseline (${baseline}): on ${Math.round(bOn.rps).toLocaleString("en")} req/s ${cOn.toFixed(1)} CPU µs/req, ` +
      `off ${Math.round(bOff.rps).toLocaleString("en")} req/s ${cOff.toFixed(1)} CPU µs/req: on ÷ off ${(bOn.rps / bOff.rps).toFixed(2)}× req/s, ` +
      `${(cOff / cOn).toFixed(2)}× by CPU`);
  }
  const inproc = await inProcess();
  console.log(`  [info] in process (app.fetch), median CPU per request: on ${inproc.on.toFixed(1)} µs, off ${inproc.off.toFixed(1)} µs ` +
    `(+${(inproc.on - inproc.off).toFixed(1)} µs, ${(inproc.off / inproc.on).toFixed(2)}×)`);
}

/** CPU µs per key request in process, on vs off, interleaved; the log lines go to a file like the server's. */
async function inProcess(): Promise<{ on: number; off: number }> {
  const dir = mkdtempSync(join(tmpdir(), "argus-bench-obs-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const lines = batchedLines(openSync(join(dir, "lines"), "a"));
  const app = async (on: boolean) => {
    const dataDir = mkdtempSync(join(tmpdir(), "argus-bench-obs-app-"));
    onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = testConfig({ dataDir, accessLog: on, metrics: on, usage: on, rateLimitPerMinute: 1e9, userRateLimitPerMinute: 0 });
    const core = await bootCore(config, { logger: createLogger("info", lines) });
    onCleanup(() => core.close());
    const a = createApp(core);
    const { token } = await call("", "", { json: USER }, a, "/api/auth/register");
    const { key } = await call("", "", { json: { name: "k" }, token }, a, "/api/keys");
    return () => a.fetch(new Request("http://argus/api/auth/me", { headers: { "x-api-key": key } }));
  };
  const apps = { on: await app(true), off: await app(false), samples: { on: [] as number[], off: [] as number[] } };
  for (let block = 0; block < 400; block++) {
    for (const name of Math.random() < 0.5 ? (["on", "off"] as const) : (["off", "on"] as const)) {
      const before = process.cpuUsage();
      for (let i = 0; i < 200; i++) await (await apps[name]()).arrayBuffer();
      const used = process.cpuUsage(before);
      if (block >= 50) apps.samples[name].push((used.user + used.system) / 200);
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return { on: median(apps.samples.on), off: median(apps.samples.off) };
}

process.on("SIGINT", () => void cleanupAll().then(() => process.exit(130)));
try {
  await main();
} finally {
  await cleanupAll();
}
