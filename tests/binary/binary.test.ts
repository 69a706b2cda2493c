import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { Database } from "bun:sqlite";
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import journal from "../../db/migrations/meta/_journal.json" with { type: "json" };
import { argus, baseEnv, exec, kill, repo, startServer, type Server } from "../cli/run.ts";
import { tempDir } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The binary as it ships: built by scripts/build.ts, copied alone into an empty directory (no node_modules,
// no source tree), run with a data directory of its own.
const root = tempDir();
const runDir = join(root, "run");
const binary = join(runDir, "argus");
const password = "correct horse battery";
let dirs = 0;
const dataDir = () => join(root, `data-${++dirs}`);

// Every server this file starts; afterAll kills any a failed test left running (each test also stops its own).
const servers: Server[] = [];
const serve = async (data: string) => {
  const server = await startServer(data, [binary, "serve"], runDir);
  servers.push(server);
  return server;
};
/** The binary as a CLI, run to completion (with run.ts's deadline), in its own directory. */
const bin = (args: string[], opts: { dataDir?: string; stdin?: string } = {}) =>
  exec([binary, ...args], { cwd: runDir, env: baseEnv(opts.dataDir ? { ARGUS_DATA_DIR: opts.dataDir } : {}), stdin: opts.stdin });

beforeAll(async () => {
  const built = join(root, "build", "argus");
  const build = await exec(["bun", "scripts/build.ts", "--outfile", built], { cwd: repo, deadlineMs: 110_000 });
  if (build.code !== 0) throw new Error(`build failed: ${build.stderr}`);
  mkdirSync(runDir);
  copyFileSync(built, binary);
  chmodSync(binary, 0o755);
}, 120_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => kill(s.proc)));
  rmSync(root, { recursive: true, force: true });
});

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function login(url: string, email: string) {
  const res = await post(url, "/api/auth/login", { email, password });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).data.token as string;
}

async function stop(server: Server) {
  expect(await server.stop("SIGTERM")).toBe(0);
}

describe("the compiled binary", () => {
  test("sits alone in its directory and runs CLI commands", async () => {
    expect(readdirSync(runDir)).toEqual(["argus"]);
    const version = await bin(["--version"]);
    expect(version).toMatchObject({ code: 0, stderr: "" });
    expect(version.stdout).toMatch(/^argus \d+\.\d+\.\d+\n$/);
    const data = dataDir();
    const migrate = await bin(["migrate", "--json"], { dataDir: data });
    expect(migrate.code).toBe(0);
    expect(JSON.parse(migrate.stdout)).toEqual({ database: join(data, "argus.db"), applied: journal.entries.length, total: journal.entries.length });
  });

  test("serves health, register, login, key creation and /api/auth/me with the key", async () => {
    const server = await serve(dataDir());
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

  test("serves the console at / with its bundled script and stylesheet embedded", async () => {
    const server = await serve(dataDir());
    try {
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toStartWith("text/html");
      const html = await page.text();
      expect(html).toContain('http-equiv="Content-Security-Policy"');
      const assets = [...html.matchAll(/(?:src|href)="(\/chunk-[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.some((a) => a.endsWith(".js")) && assets.some((a) => a.endsWith(".css"))).toBe(true);
      for (const asset of assets) {
        const res = await fetch(`${server.url}${asset}`);
        expect(res.status).toBe(200);
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      }
      const status = await (await fetch(`${server.url}/api/auth/status`)).json();
      // The first-run command names the binary itself, so it can be pasted as it is.
      expect((status as any).data.setupCommand).toEndWith(`${binary} users create --email you@example.com --admin`);
    } finally {
      await stop(server);
    }
  });

  test("shares a database with `bun server/main.ts`, both ways, with identical migration records", async () => {
    const data = dataDir();
    const created = await argus(["users", "create", "--email", "src@example.com", "--password-stdin"], { dataDir: data, stdin: password });
    expect(created.code).toBe(0);

    const server = await serve(data);
    try {
      await login(server.url, "src@example.com");
      expect((await post(server.url, "/api/auth/register", { email: "bin2@example.com", password })).status).toBe(201);
    } finally {
      await stop(server);
    }

    const listed = await argus(["users", "list", "--json"], { dataDir: data });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((u: { email: string }) => u.email).sort()).toEqual(["bin2@example.com", "src@example.com"]);
    const migrated = await argus(["migrate", "--json"], { dataDir: data });
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ applied: 0 });

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
    // An admin made by the binary's own CLI, so a key with articles:write can be minted over the API.
    expect((await bin(["users", "create", "--email", "owner@example.com", "--admin", "--password-stdin"], { dataDir: data, stdin: password })).code).toBe(0);
    const server = await serve(data);
    try {
      const token = await login(server.url, "owner@example.com");
      const mint = async (body: Record<string, unknown>) => {
        const res = await post(server.url, "/api/keys", body, bearer(token));
        expect(res.status).toBe(201);
        return ((await res.json()) as any).data as { id: string; key: string };
      };
      const writer = await mint({ name: "writer", scopes: ["articles:read", "articles:write"] });

      // lastUsedAt is written behind every couple of seconds; the second use below is only in memory until shutdown.
      const used = await mint({ name: "used" });
      const useKey = () => fetch(`${server.url}/api/auth/me`, { headers: { "x-api-key": used.key } });
      expect((await useKey()).status).toBe(200);
      const storedUse = () => {
        const db = new Database(join(data, "argus.db"), { readonly: true });
        try {
          return (db.query("SELECT last_used_at AS at FROM api_keys WHERE id = ?").get(used.id) as { at: number | null }).at;
        } finally {
          db.close();
        }
      };
      // A condition, not a window: the write-behind flush runs every 2 s.
      let firstUse = storedUse();
      for (const until = Date.now() + 10_000; firstUse === null && Date.now() < until; firstUse = storedUse()) await Bun.sleep(50);
      expect(firstUse).toBeNumber();
      // The second use must fall in a later millisecond than the first, or its flush could not be told apart from
      // the first write. The server has no injectable clock (it is the shipped binary), so wait for the wall clock
      // to pass that one millisecond: a condition, at most a millisecond or two, not a window.
      while (Date.now() <= firstUse!) await Bun.sleep(1);
      expect((await useKey()).status).toBe(200);

      // A request known to be in flight at the signal: an article POST whose JSON body is streamed and held open.
      // The write key is charged before the body is read, so its rate-limit count shows the server has the request.
      let body!: ReadableStreamDefaultController<Uint8Array>;
      const held = JSON.stringify({ title: "Held open across SIGTERM", url: "https://held.example.com/a", source: "S", publishedAt: "2026-01-01T00:00:00Z" });
      const heldRes = fetch(`${server.url}/api/v1/articles`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": writer.key },
        body: new ReadableStream<Uint8Array>({ start: (c) => void (body = c) }),
      });
      heldRes.catch(() => {}); // awaited below; this only keeps an early failure from also being an unhandled rejection
      body.enqueue(new TextEncoder().encode(held.slice(0, 20)));

      // Concurrent writes alongside it: registrations hash with argon2id at full cost, key creations are quick.
      const outcomes: { ok: boolean; kind: "key" | "user"; value: string }[] = [];
      const track = (kind: "key" | "user", res: Promise<Response>, value = "") =>
        res.then(
          async (r) => {
            const b = (await r.json()) as any;
            outcomes.push({ ok: r.ok, kind, value: kind === "key" ? b.data?.id : value });
          },
          () => outcomes.push({ ok: false, kind, value }),
        );
      const inFlight = [
        ...Array.from({ length: 8 }, (_, i) => track("user", post(server.url, "/api/auth/register", { email: `late${i}@example.com`, password }), `late${i}@example.com`)),
        ...Array.from({ length: 40 }, (_, i) => track("key", post(server.url, "/api/keys", { name: `k${i}` }, bearer(token)))),
      ];

      // Probe with the same key until its count includes the held request: each probe costs one, the held one more.
      const limit = 100;
      let charged = false;
      for (let probes = 1; probes <= 50 && !charged; probes++) {
        const probe = await fetch(`${server.url}/api/v1/articles/latest?limit=1`, { headers: { "x-api-key": writer.key } });
        expect(probe.status).toBe(200);
        const remaining = Number(probe.headers.get("X-RateLimit-Remaining"));
        expect([limit - probes, limit - probes - 1]).toContain(remaining);
        charged = remaining === limit - probes - 1;
      }
      expect(charged).toBe(true);

      server.proc.kill("SIGTERM");
      await server.waitForLog('"msg":"shutting down"'); // the listener is closed from here on; the drain has begun
      // Knock while it drains (new connections, no pooled ones): each must be refused or answered, never half-done.
      const knocks = Array.from({ length: 10 }, (_, i) =>
        track("key", fetch(`${server.url}/api/keys`, {
          method: "POST",
          keepalive: false,
          headers: { "content-type": "application/json", ...bearer(token) },
          body: JSON.stringify({ name: `after${i}` }),
        })),
      );
      await Promise.all(knocks);
      // Only now let the held request finish: the draining server must still answer it and commit it.
      body.enqueue(new TextEncoder().encode(held.slice(20)));
      body.close();
      const heldAnswer = await heldRes;
      expect(heldAnswer.status).toBe(201);
      const article = ((await heldAnswer.json()) as any).data as { id: string; title: string };
      expect(article.title).toBe("Held open across SIGTERM");

      await Promise.all(inFlight);
      expect(outcomes).toHaveLength(58);
      expect(await server.proc.exited).toBe(0);
      const logs = await server.logs();
      expect(logs).toContain('"msg":"stopped"');

      const db = new Database(join(data, "argus.db"), { readonly: true });
      const keyIds = new Set((db.query("SELECT id FROM api_keys").all() as { id: string }[]).map((r) => r.id));
      const emails = new Set((db.query("SELECT email FROM users").all() as { email: string }[]).map((r) => r.email));
      const lastUsedAt = (db.query("SELECT last_used_at AS at FROM api_keys WHERE id = ?").get(used.id) as { at: number }).at;
      const stored = db.query("SELECT id, title FROM articles WHERE url = ?").all("https://held.example.com/a");
      db.close();
      expect(stored).toEqual([{ id: article.id, title: "Held open across SIGTERM" }]);
      for (const o of outcomes.filter((o) => o.ok)) expect({ o, stored: o.kind === "key" ? keyIds.has(o.value) : emails.has(o.value) }).toEqual({ o, stored: true });
      // The pending lastUsedAt was flushed on the way out (not just the first, immediate write).
      expect(lastUsedAt).toBeGreaterThan(firstUse!);
    } finally {
      await kill(server.proc);
    }
  });
});
