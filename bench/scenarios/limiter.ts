// 3. Limiter: the key route with the limiter off (no-op store) vs the in-process store vs the Redis store.
import { prepare, withKeys } from "../lib/api.ts";
import { KEYS } from "../lib/config.ts";
import { BARE, interleaved, type Case } from "../lib/measure.ts";
import { maybeRedis } from "../lib/redis.ts";
import { fmt, loadRow, table, verdict } from "../lib/report.ts";
import { startServer } from "../lib/servers.ts";

export async function run() {
  const redis = await maybeRedis();
  const servers = {
    off: await startServer("limiter-off", { env: { BENCH_LIMITER: "off" } }),
    memory: await startServer("limiter-memory"),
    redis: redis ? await startServer("limiter-redis", { env: { ARGUS_REDIS_URL: redis.url } }) : undefined,
  };
  const cases: Case[] = [];
  for (const [name, s] of Object.entries(servers)) {
    if (!s) continue;
    const fx = await prepare(s.url);
    cases.push({ name, base: s.url, requests: withKeys(fx.keys, "/api/auth/me") });
  }
  const r = await interleaved(cases);
  for (const s of Object.values(servers)) await s?.stop();
  const bare = r.get(BARE)!;
  const off = r.get("off")!;
  const mem = r.get("memory")!;
  const red = r.get("redis");
  const rows = [
    loadRow("bare `Bun.serve` JSON route", bare, {}, bare),
    loadRow("limiter off (no-op store, baseline)", off, { "× off": fmt.x(1), "× memory": fmt.x(off.rps / mem.rps) }, bare),
    loadRow("in-process memory store", mem, { "× off": fmt.x(mem.rps / off.rps), "× memory": fmt.x(1) }, bare),
  ];
  if (red) rows.push(loadRow("Redis store (local redis-server)", red, { "× off": fmt.x(red.rps / off.rps), "× memory": fmt.x(red.rps / mem.rps) }, bare));
  table(
    `3. Rate limiter on the key route (\`GET /api/auth/me\`, X-API-Key, ${KEYS} keys)`,
    ["req/s", "p50 ms", "p99 ms", "non-2xx", "× bare Bun", "× off", "× memory"],
    rows,
    redis ? [] : ["Redis store skipped: redis-server not available"],
  );
  verdict("limiter", "memory limiter ≥ 0.9× limiter off", fmt.x(mem.rps / off.rps), mem.rps / off.rps >= 0.9);
  if (red) verdict("limiter", "Redis store × memory store (no target; reported)", fmt.x(red.rps / mem.rps), null);
  await redis?.stop();
}
