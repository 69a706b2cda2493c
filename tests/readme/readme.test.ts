import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { argus, baseEnv, exec, repo, startServer, type Server } from "../cli/run.ts";
import { tempDir } from "../support/harness.ts";
import { needs } from "../support/tools.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The README's promise: its ```sh blocks that call the API run as written, in order, in one shell, against a
// fresh server with the demo data. Any failed request (curl --fail-with-body) or command stops the run.
const root = tempDir();
const dataDir = join(root, "data");
let server: Server;

/** The README's ```sh blocks that call the API, in order. */
function curlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).filter((block) => /\bcurl\b/.test(block));
}

const jq = needs("jq", Bun.which("jq") !== null, "apt-get install -y jq");

beforeAll(async () => {
  if (jq.skip) return;
  const seeded = await argus(["seed", "--demo"], { dataDir });
  if (seeded.code !== 0) throw new Error(`seed failed: ${seeded.stderr}`);
  server = await startServer(dataDir);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

(jq.skip ? test.skip : test)("the README's curl blocks run top to bottom against a fresh server", async () => {
  const blocks = curlBlocks(readFileSync(join(repo, "README.md"), "utf8"));
  expect(blocks.length).toBeGreaterThanOrEqual(6);
  // BASE is written once, in the first block, from PORT; later blocks rely on it (and on the variables before).
  expect(blocks[0]).toContain("BASE=http://localhost:${PORT:-3000}");
  expect(blocks.slice(1).join("\n")).not.toMatch(/BASE=|localhost:\d/);

  const script = [
    "set -euo pipefail",
    'curl() { command curl --silent --show-error --fail-with-body "$@"; echo; }',
    ...blocks.map((block, i) => `echo "::block ${i + 1}" >&2\n${block}`),
  ].join("\n");
  const port = new URL(server.url).port;
  const r = await exec(["bash", "-c", script], {
    cwd: repo,
    env: baseEnv({ PORT: port, ARGUS_DATA_DIR: dataDir }),
    deadlineMs: 120_000,
  });
  const failedIn = r.stderr.match(/::block (\d+)/g)?.at(-1);
  expect({ code: r.code, failedIn: r.code === 0 ? undefined : failedIn, stderr: r.code === 0 ? "" : r.stderr }).toEqual({
    code: 0,
    failedIn: undefined,
    stderr: "",
  });
  expect(r.stdout).not.toContain('"success":false');
  expect(r.stdout).toContain("X-RateLimit-Limit: 100");

  // What the walkthrough did is in the database.
  const db = new Database(join(dataDir, "argus.db"), { readonly: true });
  try {
    const users = db.query("SELECT email, role FROM users ORDER BY email").all();
    expect(users).toEqual([
      { email: "ada@example.com", role: "user" },
      { email: "admin@example.com", role: "admin" },
      { email: "me@example.com", role: "user" },
    ]);
    const pushed = db.query("SELECT url FROM articles WHERE source = 'Example' ORDER BY url").all();
    expect(pushed).toEqual([{ url: "https://example.com/hello" }, { url: "https://example.com/one" }, { url: "https://example.com/two" }]);
    const limited = db.query("SELECT k.rate_limit AS rateLimit FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.name = 'Ada reads the feed' AND k.rotated_to IS NULL").get();
    expect(limited).toEqual({ rateLimit: 1000 });
    expect(db.query("SELECT rate_limit AS rateLimit FROM users WHERE email = 'ada@example.com'").get()).toEqual({ rateLimit: 5000 });
    // ... and in the audit log, one event per action.
    const actions = db.query("SELECT action, count(*) AS n FROM audit_events GROUP BY action").all() as { action: string; n: number }[];
    expect(Object.fromEntries(actions.map((r) => [r.action, r.n]))).toMatchObject({
      "user.register": 2, "user.create": 1, "key.roll": 1, "key.update": 1, "user.update": 1, "user.password_change": 1, "auth.logout_all": 1,
    });
  } finally {
    db.close();
  }
}, 150_000);
