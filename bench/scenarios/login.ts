// 2. Login: /api/health under load, alone vs while 16 argon2id logins run at once (production cost).
import { api, expectOk } from "../lib/api.ts";
import { USER } from "../lib/config.ts";
import type { LoadRequest, LoadResult } from "../lib/load.ts";
import { BARE, interleaved, percentile } from "../lib/measure.ts";
import { cpuSeconds } from "../lib/procstat.ts";
import { fmt, loadRow, table, verdict } from "../lib/report.ts";
import { startServer } from "../lib/servers.ts";
import { DURATION_MS, ROUNDS, WARMUP_MS } from "../lib/config.ts";

const LOGINS = 16;

export async function run() {
  // No passwordCost override anywhere in bench/server.ts: argon2id at Bun's defaults (64 MiB, t=2). Not pinned: the
  // argon2 threads would otherwise share the event loop's one core, which is not how a server runs.
  const server = await startServer("login", { pin: false });
  // 16 accounts, one per login loop, so each loop measures one account's login (concurrent right passwords for
  // one account are no longer refused, but spreading them keeps the scenario comparable with earlier runs).
  const users = Array.from({ length: LOGINS }, (_, i) => ({ email: `bench-login-${i}@example.com`, password: USER.password }));
  await Promise.all(users.map((u) => expectOk("register", api(server.url, "/api/auth/register", { json: u }))));
  const health: LoadRequest[] = [{ path: "/api/health" }];
  const logins = { done: 0, latencies: [] as number[], other: new Map<string, number>() };

  /** 16 login loops, each starting a new login as soon as the last answered: 16 argon2 verifications in flight. */
  const loginStorm = () => {
    let running = true;
    const loop = async (i: number) => {
      while (running) {
        const started = performance.now();
        const res = await api(server.url, "/api/auth/login", { json: users[i] }).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
        if (typeof res !== "string" && res.status === 200) {
          logins.done++;
          logins.latencies.push(performance.now() - started);
        } else {
          const why = typeof res === "string" ? res : String(res.status);
          logins.other.set(why, (logins.other.get(why) ?? 0) + 1);
        }
      }
    };
    const loops = Array.from({ length: LOGINS }, (_, i) => loop(i));
    return async () => {
      running = false;
      await Promise.all(loops);
    };
  };

  // How many cores the server process (event loop + argon2 worker threads) used while each case ran.
  const cores: Record<string, number[]> = { alone: [], logins: [] };
  const metered = (name: string, inner?: () => () => Promise<unknown>) => () => {
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    const finish = inner?.();
    return async () => {
      await finish?.();
      cores[name]!.push((cpuSeconds(server.pid) - cpu0) / ((performance.now() - t0) / 1000));
    };
  };
  const r = await interleaved([
    { name: "alone", base: server.url, requests: health, during: metered("alone") },
    { name: "logins", base: server.url, requests: health, during: metered("logins", loginStorm) },
  ]);
  await server.stop();
  const bare = r.get(BARE)!;
  const alone = r.get("alone")!;
  const busy = r.get("logins")!;
  // p99 is the point here, so report the round with the better p99 too (best-by-req/s can differ).
  const bestP99 = (x: { all: LoadResult[] }) => Math.min(...x.all.map((a) => a.p99Ms));
  const loginSeconds = (ROUNDS * (DURATION_MS + WARMUP_MS)) / 1000;
  table(
    `2. Health while ${LOGINS} logins run at once (argon2id, production cost)`,
    ["req/s", "p50 ms", "p99 ms", "best p99 ms", "non-2xx", "× bare Bun", "× alone p99"],
    [
      loadRow("bare `Bun.serve` JSON route", bare, {}, bare),
      loadRow("`/api/health` alone (baseline)", alone, { "best p99 ms": fmt.ms(bestP99(alone)), "× alone p99": fmt.x(1) }, bare),
      loadRow(`\`/api/health\` + ${LOGINS} concurrent logins`, busy, {
        "best p99 ms": fmt.ms(bestP99(busy)),
        "× alone p99": fmt.x(bestP99(busy) / bestP99(alone)),
      }, bare),
    ],
    [
      `logins answered 200: ${logins.done} (${(logins.done / loginSeconds).toFixed(1)}/s); ` +
        `other answers: ${logins.other.size ? [...logins.other].map(([k, v]) => `${k} ×${v}`).join(", ") : "none"}; ` +
        `login latency p50 ${fmt.ms(percentile(logins.latencies, 50))} ms, p99 ${fmt.ms(percentile(logins.latencies, 99))} ms`,
      `health req/s with logins: ${fmt.x(busy.rps / alone.rps)} of alone`,
      `server process CPU (all threads) while measured: alone ${cores.alone!.map((c) => c.toFixed(2)).join("/")} cores, ` +
        `with logins ${cores.logins!.map((c) => c.toFixed(2)).join("/")} cores (the Argus server is not pinned here)`,
    ],
  );
  verdict("login", `health p99 with ${LOGINS} logins, × alone (no target; reported)`, fmt.x(bestP99(busy) / bestP99(alone)), null);
}
