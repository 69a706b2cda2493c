// The README's console screenshots: `bun run screenshots` starts a server on demo data in a temp dir, makes an admin
// and a user with a few keys and some traffic, and saves each screen at 1280 px into docs/screenshots/. Needs
// Debian's chromium (apt-get install -y chromium); nothing is downloaded.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cookieFor, launch, sessionCookie } from "../tests/console/browser.ts";
import { tempDir } from "../tests/support/harness.ts";
import { cleanEnv, startServerProcess } from "../tests/support/process.ts";

const OUT = join(import.meta.dir, "../docs/screenshots");
const ADMIN = { email: "admin@example.com", password: "correct horse battery" };
const dataDir = tempDir();
const env = { ARGUS_DATA_DIR: dataDir, ARGUS_SIGNUP_LIMIT_PER_HOUR: "0" };
const run = (args: string[], stdin?: string) => {
  const r = Bun.spawnSync(["bun", "server/main.ts", ...args], {
    env: cleanEnv({ ...env, ARGUS_LOG_LEVEL: "warn" }),
    stdin: stdin === undefined ? undefined : new TextEncoder().encode(stdin),
  });
  if (r.exitCode !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
};
run(["seed", "--demo"]);
run(["users", "create", "--email", ADMIN.email, "--admin", "--password-stdin"], ADMIN.password);
const server = await startServerProcess(env);
const browser = await launch();
try {
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url + path, {
      method: "POST", headers: { "content-type": "application/json", origin: server.url, ...headers }, body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const cookie = await sessionCookie(server.url, "/api/auth/session", ADMIN, 200);
  const auth = { authorization: `Bearer ${cookie}` };
  const keys: { id: string; key: string }[] = [];
  for (const [name, extra] of [
    ["Newsroom dashboard", {}],
    ["Nightly ingest", { scopes: ["articles:read", "articles:write"] }],
    ["Partner feed (EU)", { allowedIps: ["10.0.0.0/8", "127.0.0.1/32"], quota: { limit: 10000, period: "month" } }],
  ] as const) {
    keys.push(((await (await post("/api/keys", { name, ...extra }, auth)).json()) as any).data);
  }
  // Some traffic for the usage chart: successes, and a burst past a low limit.
  const featured = keys[2]!; // the partner key: quota and allowlist, and the chart
  const limited = await fetch(`${server.url}/api/admin/api-keys/${featured.id}`, {
    method: "PUT", headers: { ...auth, "content-type": "application/json", origin: server.url }, body: JSON.stringify({ rateLimit: 30 }),
  });
  if (!limited.ok) throw new Error(`re-limit: ${limited.status}`);
  for (let i = 0; i < 45; i++) await fetch(`${server.url}/api/v1/articles/latest?limit=5`, { headers: { "x-api-key": featured.key } });
  for (let i = 0; i < 12; i++) await fetch(`${server.url}/api/v1/articles/latest?limit=5`, { headers: { "x-api-key": keys[0]!.key } });
  await post("/api/keys/report-leak", { key: keys[1]!.key });
  await Bun.sleep(2_500); // usage is written behind every 2 s

  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: server.url, colorScheme: "light" });
  const page = await context.newPage();
  const shot = async (name: string, hash: string, ready: () => Promise<unknown>) => {
    await page.goto("about:blank"); // a new document each time: a hash change alone would not reload the app
    await page.goto(`/#/${hash}`);
    await ready();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: name === "key-details" });
    console.log(`docs/screenshots/${name}.png`);
  };
  await context.addCookies([cookieFor(server.url, cookie)]);
  await shot("keys", "keys", () => page.getByRole("heading", { name: "API keys" }).waitFor());
  await shot("key-details", `keys/${featured.id}`, () => page.locator(".usage-chart canvas").first().waitFor());
  await shot("audit-log", "admin/audit", () => page.getByRole("heading", { name: "Audit log" }).waitFor());
  await context.close();
} finally {
  await browser.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
