// 8. Key lifecycle: plain keys vs keys with a 10-CIDR allowlist vs allowlist + quota, on one server, interleaved;
// with BENCH_BASELINE_ROOT=<another checkout> also plain keys on that checkout's server (before vs after).
import { join } from "node:path";
import { api, expectOk, prepare, withKeys } from "../lib/api.ts";
import { KEYS, RATE_LIMIT } from "../lib/config.ts";
import { interleaved, type Case, type Measured } from "../lib/measure.ts";
import { fmt, loadRow, table, verdict } from "../lib/report.ts";
import { startServer } from "../lib/servers.ts";

// Ten CIDRs with the matching one last, so the check walks the whole list; a quota that never runs out.
const allowedIps = [...Array.from({ length: 9 }, (_, i) => `10.${i}.0.0/16`), "127.0.0.0/8"];

export async function run() {
  // Three sets of KEYS keys for one user: past the default cap of 100.
  const server = await startServer("lifecycle", { env: { ARGUS_MAX_KEYS_PER_USER: "1000" } });
  const fx = await prepare(server.url);
  const keysWith = (name: string, settings: Record<string, unknown>) =>
    Promise.all(
      Array.from({ length: KEYS }, async (_, i) => {
        const k = await expectOk("create key", api(server.url, "/api/keys", { json: { name: `${name} ${i}`, ...settings }, token: fx.token }));
        const limit = { method: "PUT", json: { rateLimit: RATE_LIMIT }, token: fx.adminToken };
        await expectOk("set key limit", api(server.url, `/api/admin/api-keys/${k.data.id}`, limit));
        return k.data.key as string;
      }),
    );
  const allowOnly = await keysWith("allow", { allowedIps });
  const both = await keysWith("both", { allowedIps, quota: { limit: 1_000_000_000, period: "month" } });
  const baselineRoot = process.env.BENCH_BASELINE_ROOT;
  const baseline = baselineRoot ? await startServer("lifecycle-baseline", { script: join(baselineRoot, "bench/server.ts") }) : undefined;
  const cases: Case[] = [
    // The server's pid: its CPU time per request is the figure other tenants of the machine move least.
    { name: "plain", base: server.url, pid: server.pid, requests: withKeys(fx.keys, "/api/auth/me") },
    { name: "allowlist", base: server.url, pid: server.pid, requests: withKeys(allowOnly, "/api/auth/me") },
    { name: "both", base: server.url, pid: server.pid, requests: withKeys(both, "/api/auth/me") },
  ];
  if (baseline) {
    cases.push({ name: "baseline", base: baseline.url, pid: baseline.pid, requests: withKeys((await prepare(baseline.url)).keys, "/api/auth/me") });
  }
  const r = await interleaved(cases);
  await server.stop();
  await baseline?.stop();
  const plain = r.get("plain")!;
  const x = (c: Measured) => ({
    "× plain": fmt.x(c.rps / plain.rps),
    ...(c.cpuUs !== undefined && plain.cpuUs !== undefined ? { "× plain (CPU)": fmt.x(plain.cpuUs / c.cpuUs) } : {}),
  });
  const rows = [
    loadRow("plain keys", plain, x(plain)),
    loadRow("allowlist (10 CIDRs)", r.get("allowlist")!, x(r.get("allowlist")!)),
    loadRow("allowlist + quota", r.get("both")!, x(r.get("both")!)),
  ];
  const base = r.get("baseline");
  if (base) rows.push(loadRow(`plain keys, baseline (${baselineRoot})`, base, x(base)));
  table(`8. Key lifecycle on \`GET /api/auth/me\` (${KEYS} keys per case)`, ["req/s", "p50 ms", "p99 ms", "non-2xx", "CPU µs/req", "× plain", "× plain (CPU)"], rows);
  const fenced = r.get("both")!;
  verdict("lifecycle", "key with quota + allowlist ≥ 0.8× plain key", fmt.x(fenced.rps / plain.rps), fenced.rps / plain.rps >= 0.8);
  if (fenced.cpuUs !== undefined && plain.cpuUs !== undefined) {
    verdict("lifecycle", "key with quota + allowlist ≥ 0.8× plain key, by server CPU per request", fmt.x(plain.cpuUs / fenced.cpuUs), null);
  }
  if (base) verdict("lifecycle", "plain key after ≥ 0.97× before", fmt.x(plain.rps / base.rps), plain.rps / base.rps >= 0.97);
}
