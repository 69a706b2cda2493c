// Service time of a key request in process (app.request, one at a time, no network or queueing), interleaved:
// a plain key, a key with a 10-CIDR allowlist, and one with the allowlist and a quota. `bun bench/key-cost.ts [N]`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootCore } from "../server/boot.ts";
import { testConfig } from "../server/config.ts";
import { createApp } from "../server/http/app.ts";
import { createLogger } from "../server/logger.ts";

const N = Number(process.argv[2] ?? 5000);
const dataDir = mkdtempSync(join(tmpdir(), "argus-keycost-"));
const core = await bootCore(testConfig({ dataDir, rateLimitPerMinute: 100_000, userRateLimitPerMinute: 0 }), {
  logger: createLogger("warn", () => {}),
  passwordCost: { memoryCost: 1024, timeCost: 1 },
});
const app = createApp(core);
const owner = await core.users.create({ email: "cost@example.com", password: "correct horse battery", role: "user" });
const allowedIps = [...Array.from({ length: 9 }, (_, i) => `10.${i}.0.0/16`), "127.0.0.0/8"];
const mint = async (settings: object) => (await core.keys.create({ userId: owner.id, role: "user" }, { name: "k", ...settings } as any)).key;
const keys = {
  plain: await mint({}),
  allowlist: await mint({ allowedIps }),
  "allowlist + quota": await mint({ allowedIps, quota: { limit: 1_000_000_000, period: "month" } }),
};
const env = { requestIP: () => ({ address: "127.0.0.1", family: "IPv4", port: 1 }) };
const times: Record<string, number[]> = Object.fromEntries(Object.keys(keys).map((k) => [k, []]));
for (let i = 0; i < N; i++) {
  for (const [name, key] of Object.entries(keys)) {
    const t = performance.now();
    const res = await app.request("/api/auth/me", { headers: { "x-api-key": key } }, env);
    await res.text();
    if (i > 50) times[name]!.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`${name}: ${res.status}`);
  }
}
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
console.log(`| key | median µs | p90 µs |\n|---|---:|---:|`);
for (const [name, xs] of Object.entries(times)) console.log(`| ${name} | ${(q(xs, 0.5) * 1000).toFixed(0)} | ${(q(xs, 0.9) * 1000).toFixed(0)} |`);
await core.close();
rmSync(dataDir, { recursive: true, force: true });
