import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import journal from "../../db/migrations/meta/_journal.json" with { type: "json" };
import { argus, cleanEnv, repo, startServer } from "../cli/run.ts";
import { tempDir } from "../support/harness.ts";

// The binary as it ships: built by scripts/build.ts, copied alone into an empty directory (no node_modules,
// no source tree), run with a data directory of its own.
const root = tempDir();
const runDir = join(root, "run");
const binary = join(runDir, "argus");
const password = "correct horse battery";
let dirs = 0;
const dataDir = () => join(root, `data-${++dirs}`);

beforeAll(async () => {
  const built = join(root, "build", "argus");
  const build = Bun.spawn(["bun", "scripts/build.ts", "--outfile", built], { cwd: repo, stdout: "pipe", stderr: "pipe" });
  if ((await build.exited) !== 0) throw new Error(`build failed: ${await new Response(build.stderr).text()}`);
  mkdirSync(runDir);
  copyFileSync(built, binary);
  chmodSync(binary, 0o755);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function login(url: string, email: string) {
  const res = await post(url, "/api/auth/login", { email, password });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).data.token as string;
}

async function stop(server: Awaited<ReturnType<typeof startServer>>) {
  server.proc.kill("SIGTERM");
  expect(await server.proc.exited).toBe(0);
}

describe("the compiled binary", () => {
  test("sits alone in its directory and runs CLI commands", async () => {
    expect(readdirSync(runDir)).toEqual(["argus"]);
    const version = Bun.spawn([binary, "--version"], { cwd: runDir, stdout: "pipe" });
    expect(await new Response(version.stdout).text()).toMatch(/^argus \d+\.\d+\.\d+\n$/);
    const data = dataDir();
    const migrate = Bun.spawn([binary, "migrate", "--json"], { cwd: runDir, env: { ...cleanEnv(), ARGUS_DATA_DIR: data }, stdout: "pipe" });
    expect(JSON.parse(await new Response(migrate.stdout).text())).toMatchObject({ applied: journal.entries.length });
    expect(await migrate.exited).toBe(0);
  });

  test("serves health, register, login, key creation and /api/auth/me with the key", async () => {
    const server = await startServer(dataDir(), [binary, "serve"], runDir);
    try {
      expect(await (await fetch(`${server.url}/api/health`)).json()).toMatchObject({ success: true, data: { status: "ok" } });
      expect((await post(server.url, "/api/auth/register", { email: "bin@example.com", password })).status).toBe(201);
      const token = await login(server.url, "bin@example.com");
      const created = await post(server.url, "/api/keys", { name: "from binary" }, bearer(token));
      expect(created.status).toBe(201);
      const { key } = ((await created.json()) as any).data;
      const me = await fetch(`${server.url}/api/auth/me`, { headers: { "x-api-key": key } });
      expect(me.status).toBe(200);
      expect(((await me.json()) as any).data.email).toBe("bin@example.com");
    } finally {
      await stop(server);
    }
  });

  test("shares a database with `bun server/main.ts`, both ways, with identical migration records", async () => {
    const data = dataDir();
    const created = await argus(["users", "create", "--email", "src@example.com", "--password-stdin"], { dataDir: data, stdin: password });
    expect(created.code).toBe(0);

    const server = await startServer(data, [binary, "serve"], runDir);
    try {
      await login(server.url, "src@example.com");
      expect((await post(server.url, "/api/auth/register", { email: "bin2@example.com", password })).status).toBe(201);
    } finally {
      await stop(server);
    }

    const listed = await argus(["users", "list", "--json"], { dataDir: data });
    expect(JSON.parse(listed.stdout).map((u: { email: string }) => u.email).sort()).toEqual(["bin2@example.com", "src@example.com"]);
    expect(JSON.parse((await argus(["migrate", "--json"], { dataDir: data })).stdout)).toMatchObject({ applied: 0 });

    // Drizzle records each migration's SHA-256; both builds must record the very same ones, once.
    const db = new Database(join(data, "argus.db"), { readonly: true });
    const rows = db.query("SELECT hash, created_at FROM __drizzle_migrations ORDER BY id").all() as { hash: string; created_at: number }[];
    db.close();
    const expected = journal.entries.map((e) => ({
      hash: new Bun.CryptoHasher("sha256").update(readFileSync(join(repo, "db/migrations", `${e.tag}.sql`))).digest("hex"),
      created_at: e.when,
    }));
    expect(rows).toEqual(expected);
  });

  test("SIGTERM with requests in flight: exit 0, and every write that got a 2xx is in the database", async () => {
    const data = dataDir();
    const server = await startServer(data, [binary, "serve"], runDir);
    expect((await post(server.url, "/api/auth/register", { email: "owner@example.com", password })).status).toBe(201);
    const token = await login(server.url, "owner@example.com");

    // lastUsedAt is written at most once a minute per key; the second use below is only in memory until shutdown.
    const used = ((await (await post(server.url, "/api/keys", { name: "used" }, bearer(token))).json()) as any).data;
    const useKey = () => fetch(`${server.url}/api/auth/me`, { headers: { "x-api-key": used.key } });
    expect((await useKey()).status).toBe(200);
    const firstUseAnswered = Date.now(); // the first use, written at once, is no later than this
    await Bun.sleep(50);
    expect((await useKey()).status).toBe(200);

    let signalledAt = Infinity;
    const outcomes: { ok: boolean; kind: "key" | "user"; value: string; after: boolean }[] = [];
    const track = (kind: "key" | "user", res: Promise<Response>, value = "") =>
      res.then(
        async (r) => {
          const body = (await r.json()) as any;
          outcomes.push({ ok: r.ok, kind, value: kind === "key" ? body.data?.id : value, after: performance.now() > signalledAt });
        },
        () => outcomes.push({ ok: false, kind, value, after: true }),
      );
    // Registrations hash with argon2id at full cost (~100 ms each here), so some are mid-flight at the signal.
    const inFlight = [
      ...Array.from({ length: 8 }, (_, i) => track("user", post(server.url, "/api/auth/register", { email: `late${i}@example.com`, password }), `late${i}@example.com`)),
      ...Array.from({ length: 40 }, (_, i) => track("key", post(server.url, "/api/keys", { name: `k${i}` }, bearer(token)))),
    ];
    await Bun.sleep(30);
    signalledAt = performance.now();
    server.proc.kill("SIGTERM");
    // Keep knocking while it drains: these must be refused or answered, never half-done.
    const knocks = Array.from({ length: 10 }, (_, i) =>
      Bun.sleep(i * 5).then(() => track("key", post(server.url, "/api/keys", { name: `after${i}` }, bearer(token)))),
    );
    await Promise.all([...inFlight, ...knocks]);
    expect(await server.proc.exited).toBe(0);
    const logs = await server.logs();
    expect(logs).toContain('"msg":"stopped"');

    const succeeded = outcomes.filter((o) => o.ok);
    expect(succeeded.filter((o) => o.after).length).toBeGreaterThan(0); // the drain really had work to finish
    const db = new Database(join(data, "argus.db"), { readonly: true });
    const keyIds = new Set((db.query("SELECT id FROM api_keys").all() as { id: string }[]).map((r) => r.id));
    const emails = new Set((db.query("SELECT email FROM users").all() as { email: string }[]).map((r) => r.email));
    const lastUsedAt = (db.query("SELECT last_used_at AS at FROM api_keys WHERE id = ?").get(used.id) as { at: number }).at;
    db.close();
    for (const o of succeeded) expect(o.kind === "key" ? keyIds.has(o.value) : emails.has(o.value)).toBe(true);
    // The pending lastUsedAt was flushed on the way out (not just the first, immediate write).
    expect(lastUsedAt).toBeGreaterThan(firstUseAnswered);
  });
});
