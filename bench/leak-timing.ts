// Leak reports must not be an oracle: `bun bench/leak-timing.ts [N]` times POST /api/keys/report-leak in process
// (app.request, no network noise) for live, already-revoked, unknown and malformed keys, interleaved, N of each
// (default 200), each from its own address so the per-address throttle never answers instead. Prints the median
// and p90 per class; their spread should be within the noise of one class against itself (the two halves of the
// unknown class are printed as a noise reference).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootCore } from "../server/boot.ts";
import { testConfig } from "../server/config.ts";
import { generateKey } from "../server/core/keyformat.ts";
import { createApp } from "../server/http/app.ts";
import { createLogger } from "../server/logger.ts";

const N = Number(process.argv[2] ?? 200);
const dataDir = mkdtempSync(join(tmpdir(), "argus-leak-"));
const core = await bootCore(testConfig({ dataDir, maxKeysPerUser: 10 * N }), {
  logger: createLogger("warn", () => {}),
  passwordCost: { memoryCost: 1024, timeCost: 1 },
});
const app = createApp(core);
const owner = await core.users.create({ email: "leak@example.com", password: "correct horse battery", role: "user" });
const mint = async () => (await core.keys.create({ userId: owner.id, role: "user" }, { name: "k" })).key;

const live: string[] = [];
const revoked: string[] = [];
for (let i = 0; i < N; i++) live.push(await mint());
for (let i = 0; i < N; i++) {
  const k = await mint();
  revoked.push(k);
  await core.keyLifecycle.reportLeak(k, `10.9.${i >> 8}.${i & 255}`);
}
const classes: Record<string, () => string> = {
  live: () => live.pop()!,
  revoked: () => revoked.pop()!,
  "unknown A": generateKey,
  "unknown B": generateKey,
  malformed: () => "argus_" + "0".repeat(32),
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(classes).map((c) => [c, []]));
let address = 0;
for (let i = 0; i < N; i++) {
  for (const [name, next] of Object.entries(classes)) {
    const a = ++address;
    const env = { requestIP: () => ({ address: `172.16.${a >> 8}.${a & 255}`, family: "IPv4", port: 1 }) };
    const body = JSON.stringify({ key: next() });
    const t = performance.now();
    const res = await app.request("/api/keys/report-leak", { method: "POST", headers: { "content-type": "application/json" }, body }, env);
    await res.text();
    times[name]!.push(performance.now() - t);
    if (res.status !== 202) throw new Error(`${name}: ${res.status}`);
  }
}
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
console.log(`| class | median ms | p90 ms |\n|---|---:|---:|`);
for (const [name, xs] of Object.entries(times)) console.log(`| ${name} | ${q(xs, 0.5).toFixed(3)} | ${q(xs, 0.9).toFixed(3)} |`);
await core.close();
rmSync(dataDir, { recursive: true, force: true });
