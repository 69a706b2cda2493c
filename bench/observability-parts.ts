// Where the access log's and the metrics' time goes, per key request: `bun bench/observability-parts.ts [blocks]`.
//
// 1. In process: four apps (nothing on, access log only, metrics only, both; per-key usage off in all, it measured
//    free) answer `GET /api/auth/me` with a key through app.fetch, with a fake server whose requestIP costs nothing.
//    Blocks of 200 requests per app, in a shuffled order each round; median process CPU ns per request over the blocks (CPU
//    time, not wall time: other tenants of a shared box stretch wall time, not our CPU time).
// 2. The pieces alone, in tight loops: the line's fields, the logger (time, prefix) into the batched writer on
//    /dev/null and on a file, the metrics' request(), performance.now(), canonicalAddress().
// 3. On a socket: what server.requestIP() costs inside a bare Bun.serve handler under wrk (if wrk is on PATH).
import { mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootCore } from "../server/boot.ts";
import { testConfig } from "../server/config.ts";
import { canonicalAddress } from "../server/core/address.ts";
import { createApp } from "../server/http/app.ts";
import { batchedLines, createLogger } from "../server/logger.ts";
import { accessFields } from "../server/observability/access-log.ts";
import { createMetrics } from "../server/observability/metrics.ts";

const BLOCKS = Number(process.argv[2] ?? 300);
const dir = mkdtempSync(join(tmpdir(), "argus-obs-parts-"));
const fileLines = batchedLines(openSync(join(dir, "lines"), "a"));
const nullLines = batchedLines(openSync("/dev/null", "a"));
const env = { requestIP: () => ({ address: "127.0.0.1", family: "IPv4", port: 40_000 }) };

async function app(accessLog: boolean, metrics: boolean) {
  const config = testConfig({ dataDir: mkdtempSync(join(dir, "app-")), accessLog, metrics, usage: false, rateLimitPerMinute: 1e9, userRateLimitPerMinute: 0 });
  const core = await bootCore(config, { logger: createLogger("info", fileLines) });
  const a = createApp(core);
  const post = async (path: string, body: unknown, token?: string) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await a.fetch(new Request(`http://argus${path}`, { method: "POST", headers, body: JSON.stringify(body) }), env);
    return ((await res.json()) as any).data;
  };
  const { token } = await post("/api/auth/register", { email: "parts@example.com", password: "a long bench password" });
  const { key } = await post("/api/keys", { name: "k" }, token);
  const req = () => a.fetch(new Request("http://argus/api/auth/me", { headers: { "x-api-key": key } }), env);
  return { req, close: () => core.close() };
}

const apps = {
  "nothing on": await app(false, false),
  "access log": await app(true, false),
  metrics: await app(false, true),
  both: await app(true, true),
};
type Name = keyof typeof apps;
const names = Object.keys(apps) as Name[];
const samples = new Map(names.map((n) => [n, [] as number[]]));
for (let block = 0; block < BLOCKS + 30; block++) {
  for (let j = names.length - 1; j > 0; j--) {
    const r = Math.floor(Math.random() * (j + 1));
    [names[j], names[r]] = [names[r]!, names[j]!];
  }
  for (const name of names) {
    const t = process.cpuUsage();
    for (let i = 0; i < 200; i++) {
      const res = await apps[name].req();
      if (res.status !== 200) throw new Error(`${name}: ${res.status}`);
      await res.arrayBuffer();
    }
    const used = process.cpuUsage(t);
    if (block >= 30) samples.get(name)!.push(((used.user + used.system) * 1000) / 200);
  }
}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
const base = median(samples.get("nothing on")!);
console.log(`load average ${load}; ${BLOCKS} blocks of 200 requests per app\n`);
console.log("| in process, `GET /api/auth/me` (key) | median CPU µs/request | above nothing on |\n|---|---:|---:|");
for (const n of ["nothing on", "access log", "metrics", "both"] as Name[]) {
  const m = median(samples.get(n)!);
  console.log(`| ${n} | ${(m / 1000).toFixed(2)} | ${n === "nothing on" ? "" : `+${((m - base) / 1000).toFixed(2)}`} |`);
}
for (const a of Object.values(apps)) await a.close();

// 2. The pieces alone.
const N = 200_000;
function loop(label: string, f: (i: number) => unknown) {
  for (let i = 0; i < 20_000; i++) f(i);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = Bun.nanoseconds();
    for (let i = 0; i < N; i++) f(i);
    runs.push((Bun.nanoseconds() - t) / N);
  }
  console.log(`| ${label} | ${(median(runs) / 1000).toFixed(3)} |`);
}
const principal = { userId: "01JD5Q3W9Y8X7V6T5S4R3Q2P1N", keyId: "01JD5Q3W9Y8X7V6T5S4R3Q2P1M", keyPrefix: "argus_ab" };
const vars: Record<string, unknown> = { requestId: "3f9a0c1d2e4b5a69-1k2", clientIp: "127.0.0.1", principal, failure: undefined };
const ctx = { get: (k: string) => vars[k], error: undefined };
const fieldsOf = (i: number) => accessFields(ctx as never, "GET", "/api/auth/me", 200, 0.0000123 + i * 1e-9);
const nullLog = createLogger("info", nullLines);
const fileLog = createLogger("info", fileLines);
const metrics = createMetrics();
console.log("\n| piece, alone | µs per call |\n|---|---:|");
loop("performance.now()", () => performance.now());
loop("canonicalAddress('127.0.0.1')", () => canonicalAddress("127.0.0.1"));
loop("accessFields (the line's fields)", fieldsOf);
loop("logger.json + batched write to /dev/null", (i) => nullLog.json("info", "request", fieldsOf(i)));
loop("logger.json + batched write to a file", (i) => fileLog.json("info", "request", fieldsOf(i)));
loop("metrics.request()", (i) => metrics.request("/api/auth/me", "GET", 200, 0.0000123 + i * 1e-9));
rmSync(dir, { recursive: true, force: true });

// 3. requestIP on a real socket.
if (Bun.which("wrk")) {
  let n = 0;
  let ns = 0;
  const server = Bun.serve({
    port: 0, hostname: "127.0.0.1",
    fetch(req, srv) {
      const t = Bun.nanoseconds();
      srv.requestIP(req);
      ns += Bun.nanoseconds() - t;
      n++;
      return new Response("ok");
    },
  });
  await Bun.spawn(["wrk", "-t1", "-c20", "-d3s", `http://127.0.0.1:${server.port}/`], { stdout: "ignore" }).exited;
  server.stop(true);
  console.log(`| server.requestIP() on a socket (getpeername), ${n.toLocaleString("en")} requests | ${(ns / n / 1000).toFixed(3)} |`);
}
process.exit(0);
