// 1. Foundation: health, /api/auth/me with a JWT and with a key (REST and tRPC), each against bare Bun and health;
// with BENCH_BASELINE_ROOT=<another checkout> the same four routes on that checkout's server too, interleaved.
import { join } from "node:path";
import { prepare, withKeys, type Fixture } from "../lib/api.ts";
import { CONNECTIONS, DURATION_MS, KEYS, ROUNDS } from "../lib/config.ts";
import type { LoadRequest } from "../lib/load.ts";
import { BARE, interleaved, type Case, type Measured } from "../lib/measure.ts";
import { fmt, loadRow, table, verdict } from "../lib/report.ts";
import { startServer, type Server } from "../lib/servers.ts";

export async function run() {
  const server = await startServer("foundation");
  const fx = await prepare(server.url);
  const health: LoadRequest[] = [{ path: "/api/health" }];
  const routes = (s: Server, f: Fixture, suffix = ""): Case[] => [
    { name: `health${suffix}`, base: s.url, pid: s.pid, requests: health },
    { name: `jwt${suffix}`, base: s.url, pid: s.pid, requests: [{ path: "/api/auth/me", headers: { Authorization: `Bearer ${f.token}` } }] },
    { name: `key${suffix}`, base: s.url, pid: s.pid, requests: withKeys(f.keys, "/api/auth/me") },
    { name: `trpc${suffix}`, base: s.url, pid: s.pid, requests: withKeys(f.keys, "/trpc/auth.me") },
  ];
  const baselineRoot = process.env.BENCH_BASELINE_ROOT;
  const before = baselineRoot ? await startServer("foundation-baseline", { script: join(baselineRoot, "bench/server.ts") }) : undefined;
  const cases = routes(server, fx);
  if (before) cases.push(...routes(before, await prepare(before.url), " (baseline)"));
  const r = await interleaved(cases);
  await server.stop();
  await before?.stop();
  const [bare, h, j, k, t] = [BARE, "health", "jwt", "key", "trpc"].map((n) => r.get(n)!) as [Measured, Measured, Measured, Measured, Measured];
  const cpu = (x: Measured) => x.cpuUs ?? NaN;
  const vs = (x: Measured) => ({ "× health req/s": fmt.x(x.rps / h.rps), "× health p99": fmt.x(x.p99Ms / h.p99Ms) });
  table(
    `1. Foundation (${CONNECTIONS} connections, ${DURATION_MS / 1000} s, best of ${ROUNDS})`,
    ["req/s", "p50 ms", "p99 ms", "non-2xx", "× bare Bun", "CPU µs/req", "× bare Bun (CPU)", "× health req/s", "× health p99", "× REST key route"],
    [
      loadRow("bare `Bun.serve` JSON route (baseline)", bare, {}, bare),
      ...(before
        ? ["health", "jwt", "key", "trpc"].map((n) => loadRow(`${n} on ${baselineRoot} (before)`, r.get(`${n} (baseline)`)!, {}, bare))
        : []),
      loadRow("`GET /api/health`", h, vs(h), bare),
      loadRow("`GET /api/auth/me`, JWT", j, vs(j), bare),
      loadRow(`\`GET /api/auth/me\`, X-API-Key (${KEYS} keys rotated)`, k, vs(k), bare),
      loadRow(`\`GET /trpc/auth.me\`, X-API-Key (${KEYS} keys rotated)`, t, { ...vs(t), "× REST key route": `${fmt.x(t.rps / k.rps)} (CPU ${fmt.x(cpu(k) / cpu(t))})` }, bare),
    ],
    [
      "non-2xx on a key route would be 429s from the per-key limit (100,000/min per key, spread over the keys); it must be 0",
      "CPU µs/req: the server's CPU time (every thread) over the measured run ÷ requests, lowest of the rounds; × bare Bun (CPU) = bare's ÷ the route's: the req/s ratio a saturated core would give, robust to other tenants",
    ],
  );
  const cpuRatio = (x: Measured) => fmt.x(cpu(bare) / cpu(x));
  verdict("foundation", "health ≥ 0.8× bare Bun, by server CPU per request", cpuRatio(h), null);
  verdict("foundation", "key route ≥ 0.5× bare Bun, by server CPU per request", cpuRatio(k), null);
  verdict("foundation", "JWT route ≥ 0.45× bare Bun, by server CPU per request", cpuRatio(j), null);
  verdict("foundation", "tRPC auth.me ≥ 0.7× the REST key route, by server CPU per request", fmt.x(cpu(k) / cpu(t)), null);
  verdict("foundation", "health ≥ 0.8× bare Bun req/s", fmt.x(h.rps / bare.rps), h.rps / bare.rps >= 0.8);
  verdict("foundation", "key route ≥ 0.5× bare Bun req/s", fmt.x(k.rps / bare.rps), k.rps / bare.rps >= 0.5);
  verdict("foundation", "JWT route ≥ 0.45× bare Bun req/s", fmt.x(j.rps / bare.rps), j.rps / bare.rps >= 0.45);
  verdict("foundation", "tRPC auth.me ≥ 0.7× the REST key route req/s", fmt.x(t.rps / k.rps), t.rps / k.rps >= 0.7);
  verdict("foundation", "key route ≥ 0.8× health req/s", fmt.x(k.rps / h.rps), k.rps / h.rps >= 0.8);
  verdict("foundation", `key route p99 ≤ 2 ms at ${CONNECTIONS} connections`, `${fmt.ms(k.p99Ms)} ms`, k.p99Ms <= 2);
  const non2xx = [h, j, k, t].reduce((n, x) => n + x.non2xx + x.errors, 0);
  verdict("foundation", "non-2xx on every route = 0", String(non2xx), non2xx === 0);
}
