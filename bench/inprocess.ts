// Service time of the hot routes in process: `app.fetch` one request at a time, no socket, timed with
// Bun.nanoseconds and interleaved (every case once a round, in a shuffled order), so a loaded machine slows every case
// alike. Config as bench/server.ts runs it (access log and metrics on, log level warn), 2,000 articles seeded.
//   bun bench/inprocess.ts [N]                                  N rounds (default 20,000)
//   BENCH_BASELINE_ROOT=<another checkout> bun bench/inprocess.ts  the same cases on that checkout too, interleaved
// Prints the median and p90 µs of each case and the bare handler's median ÷ the case's (a bare fetch handler
// answering a small JSON body, in the same process).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 20_000);
const KEYS = 16;
const env = { requestIP: () => ({ address: "127.0.0.1", family: "IPv4", port: 1 }) };
const dirs: string[] = [];

type Target = { label: string; fetch: (req: Request) => Response | Promise<Response>; token: string; keys: string[]; close(): Promise<void> };

/** Argus from `root` (this checkout by default) on a fresh data dir, with a user, a JWT and KEYS keys. */
async function boot(root: string, label: string): Promise<Target> {
  const { bootCore } = await import(join(root, "server/boot.ts"));
  const { loadConfig } = await import(join(root, "server/config.ts"));
  const { createApp } = await import(join(root, "server/http/app.ts"));
  const { createLogger } = await import(join(root, "server/logger.ts"));
  const { seedArticles } = await import(join(root, "bench/seed-articles.ts"));
  const dataDir = mkdtempSync(join(tmpdir(), "argus-inprocess-"));
  dirs.push(dataDir);
  seedArticles(dataDir, 2_000);
  const config = loadConfig({
    ARGUS_DATA_DIR: dataDir, ARGUS_LOG_LEVEL: "warn", ARGUS_RATE_LIMIT_PER_MINUTE: "100000",
    ARGUS_USER_RATE_LIMIT_PER_MINUTE: "0", ARGUS_SIGNUP_LIMIT_PER_HOUR: "0",
  });
  const core = await bootCore(config, { logger: createLogger("warn", () => {}), passwordCost: { memoryCost: 1024, timeCost: 1 } });
  const app = createApp(core);
  const owner = await core.users.create({ email: "bench@example.com", password: "correct horse battery", role: "user" });
  const keys: string[] = [];
  for (let i = 0; i < KEYS; i++) keys.push((await core.keys.create({ userId: owner.id, role: "user" }, { name: `k${i}` })).key);
  return { label, fetch: (req) => app.fetch(req, env), token: core.tokens.issue(owner).token, keys, close: () => core.close() };
}

const targets = [await boot(resolve(import.meta.dir, ".."), "")];
const baseline = process.env.BENCH_BASELINE_ROOT;
if (baseline) targets.push(await boot(resolve(baseline), " (baseline)"));

const bareBody = { success: true, data: { status: "ok" } };
const trpcInput = encodeURIComponent(JSON.stringify({ json: { limit: 20 } }));
const routes: { name: string; path: string; auth?: "key" | "jwt" }[] = [
  { name: "GET /api/health", path: "/api/health" },
  { name: "GET /api/auth/me, key", path: "/api/auth/me", auth: "key" },
  { name: "GET /api/auth/me, JWT", path: "/api/auth/me", auth: "jwt" },
  { name: "GET /api/v1/articles/latest?limit=20, key", path: "/api/v1/articles/latest?limit=20", auth: "key" },
  { name: "GET /api/v1/articles?limit=20, key", path: "/api/v1/articles?limit=20", auth: "key" },
  { name: "GET /trpc/auth.me, key", path: "/trpc/auth.me", auth: "key" },
  { name: "GET /trpc/articles.latest (limit 20), key", path: `/trpc/articles.latest?input=${trpcInput}`, auth: "key" },
];
type Case = { name: string; path: string; auth?: "key" | "jwt"; target?: Target };
const cases: Case[] = [{ name: "bare fetch handler", path: "/bare" }];
for (const r of routes) for (const t of targets) cases.push({ ...r, name: r.name + t.label, target: t });

const times = new Map(cases.map((c) => [c.name, new Float64Array(N)]));
let k = 0;
const once = async (c: Case) => {
  const headers: Record<string, string> = {};
  const t = c.target;
  if (c.auth === "key") headers["x-api-key"] = t!.keys[k++ % KEYS]!;
  if (c.auth === "jwt") headers.authorization = `Bearer ${t!.token}`;
  const started = Bun.nanoseconds();
  const req = new Request(`http://localhost${c.path}`, { headers });
  const res = await (t ? t.fetch(req) : Response.json(bareBody));
  await res.arrayBuffer();
  const ns = Bun.nanoseconds() - started;
  if (res.status !== 200) throw new Error(`${c.name}: ${res.status}`);
  return ns;
};
for (let i = 0; i < 500; i++) for (const c of cases) await once(c); // warm-up: JIT, caches
// Each round runs the cases in a fresh random order, so no case always follows the same one (position bias).
const order = cases.map((_, i) => i);
for (let i = 0; i < N; i++) {
  for (let j = order.length - 1; j > 0; j--) {
    const r = Math.floor(Math.random() * (j + 1));
    [order[j], order[r]] = [order[r]!, order[j]!];
  }
  for (const j of order) times.get(cases[j]!.name)![i] = await once(cases[j]!);
}

const q = (xs: Float64Array, p: number) => xs.slice().sort()[Math.floor((xs.length - 1) * p)]! / 1000;
const bareMedian = q(times.get(cases[0]!.name)!, 0.5);
const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
console.log(`${N.toLocaleString("en")} rounds, load average ${load}\n`);
console.log("| case | median µs | p90 µs | bare ÷ case (median) |\n|---|---:|---:|---:|");
for (const c of cases) {
  const xs = times.get(c.name)!;
  const med = q(xs, 0.5);
  console.log(`| ${c.name} | ${med.toFixed(1)} | ${q(xs, 0.9).toFixed(1)} | ${(bareMedian / med).toFixed(2)} |`);
}
for (const t of targets) await t.close();
for (const d of dirs) rmSync(d, { recursive: true, force: true });
