import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import journal from "../../db/migrations/meta/_journal.json" with { type: "json" };
import { createHarness } from "../support/harness.ts";
import { argus, createUser, dataDirFixture, startServer } from "./run.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Each test gets its own data directory and scratch directory.
let data: ReturnType<typeof dataDirFixture>;
let scratch: ReturnType<typeof dataDirFixture>;
beforeEach(() => {
  data = dataDirFixture();
  scratch = dataDirFixture();
});
afterEach(() => {
  data.remove();
  scratch.remove();
});
const migrations = journal.entries.length;

describe("argus migrate", () => {
  test("applies every migration to a new database, then reports it up to date", async () => {
    const first = await argus(["migrate", "--json"], { dataDir: data.dir });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ database: join(data.dir, "argus.db"), applied: migrations, total: migrations });
    const again = await argus(["migrate"], { dataDir: data.dir });
    expect(again).toMatchObject({ code: 0, stdout: `${join(data.dir, "argus.db")} is up to date (${migrations} migrations)\n` });
  });
});

describe("argus backup", () => {
  test("writes a snapshot that includes writes still in the WAL of a running server, and restores", async () => {
    await createUser(data.dir, "before@example.com");
    const server = await startServer(data.dir);
    const target = join(scratch.dir, "snapshot.db");
    try {
      const reg = await fetch(`${server.url}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "during@example.com", password: "correct horse battery" }),
      });
      expect(reg.status).toBe(201);
      const r = await argus(["backup", target, "--json"], { dataDir: data.dir });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ source: join(data.dir, "argus.db"), target });
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
    }

    const check = new Database(target, { readonly: true });
    expect(check.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    check.close();

    // Restore the way the help says: the file becomes argus.db of a data directory (with the same JWT secret dir).
    const restored = join(scratch.dir, "restored");
    mkdirSync(restored);
    copyFileSync(target, join(restored, "argus.db"));
    const h = await createHarness({}, { dataDir: restored });
    try {
      for (const email of ["before@example.com", "during@example.com"]) {
        const res = await h.request("/api/auth/login", { method: "POST", json: { email, password: "correct horse battery" } });
        expect(res.status).toBe(200);
      }
    } finally {
      await h.close();
    }
  });

  test("refuses to overwrite an existing file (exit 1, file untouched)", async () => {
    await createUser(data.dir, "someone@example.com"); // a database that could be backed up
    const target = join(scratch.dir, "exists.db");
    writeFileSync(target, "precious");
    const r = await argus(["backup", target], { dataDir: data.dir });
    expect(r).toMatchObject({ code: 1, stdout: "", stderr: `argus: refusing to overwrite ${target}\n` });
    expect(readFileSync(target, "utf8")).toBe("precious");
  });

  test("writes the copy mode 0600 (it holds every password hash), leaving no scratch file", async () => {
    await createUser(data.dir, "someone@example.com");
    const target = join(scratch.dir, "private.db");
    const r = await argus(["backup", target], { dataDir: data.dir });
    expect(r.code).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(scratch.dir)).toEqual(["private.db"]);
  });

  test("refuses a dangling symlink at the target and writes nothing through it", async () => {
    await createUser(data.dir, "someone@example.com");
    const target = join(scratch.dir, "link.db");
    const pointee = join(scratch.dir, "elsewhere.db");
    symlinkSync(pointee, target);
    const r = await argus(["backup", target], { dataDir: data.dir });
    expect(r).toMatchObject({ code: 1, stdout: "", stderr: `argus: refusing to overwrite ${target}\n` });
    expect(existsSync(pointee)).toBe(false);
    expect(lstatSync(target).isSymbolicLink()).toBe(true);
    expect(readdirSync(scratch.dir)).toEqual(["link.db"]);
  });

  test("says so when there is no database to back up", async () => {
    const empty = join(scratch.dir, "empty");
    const r = await argus(["backup", join(scratch.dir, "nothing.db")], { dataDir: empty });
    expect(r).toMatchObject({ code: 1, stderr: `argus: no database at ${join(empty, "argus.db")}\n` });
    expect(existsSync(join(scratch.dir, "nothing.db"))).toBe(false);
  });
});

describe("argus seed --demo", () => {
  test("loads the demo articles once; a second run creates none", async () => {
    const first = await argus(["seed", "--demo", "--json"], { dataDir: data.dir });
    expect(first.code).toBe(0);
    const seeded = JSON.parse(first.stdout);
    expect(seeded.created).toBeGreaterThan(0);
    expect(seeded.total).toBe(seeded.created);

    const second = await argus(["seed", "--demo"], { dataDir: data.dir });
    expect(second.code).toBe(0);
    expect(second.stdout).toStartWith("demo articles: 0 created");

    const db = new Database(join(data.dir, "argus.db"), { readonly: true });
    expect(db.query("SELECT count(*) AS n FROM articles").get()).toEqual({ n: seeded.total });
    db.close();
  });
});
