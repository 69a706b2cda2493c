import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootCore } from "../server/boot.ts";
import { loadConfig } from "../server/config.ts";
import { createApp } from "../server/http/app.ts";
import { createLogger } from "../server/logger.ts";
import { seedArticles } from "./seed-articles.ts";
const dataDir = mkdtempSync(join(tmpdir(), "argus-prof-"));
seedArticles(dataDir, 2000);
const config = loadConfig({ ARGUS_DATA_DIR: dataDir, ARGUS_LOG_LEVEL: "warn", ARGUS_RATE_LIMIT_PER_MINUTE: "100000", ARGUS_USER_RATE_LIMIT_PER_MINUTE: "0" });
const core = await bootCore(config, { logger: createLogger("warn", () => {}), passwordCost: { memoryCost: 1024, timeCost: 1 } });
const app = createApp(core);
const owner = await core.users.create({ email: "b@example.com", password: "correct horse battery", role: "user" });
const keys: string[] = [];
for (let i = 0; i < 16; i++) keys.push((await core.keys.create({ userId: owner.id, role: "user" }, { name: `k${i}` })).key);
const env = { requestIP: () => ({ address: "127.0.0.1", family: "IPv4", port: 1 }) };
const path = process.env.P!;
const N = Number(process.env.N ?? 200000);
const t = Bun.nanoseconds();
for (let i = 0; i < N; i++) {
  const res = await app.fetch(new Request(`http://localhost${path}`, { headers: { "x-api-key": keys[i % 16]! } }), env);
  await res.arrayBuffer();
}
console.log(path, ((Bun.nanoseconds() - t) / N / 1000).toFixed(2), "µs/req");
await core.close();
