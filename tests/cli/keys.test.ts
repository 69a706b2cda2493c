import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { createHarness } from "../support/harness.ts";
import { argus, createUser, dataDirFixture, startServer } from "./run.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Each test gets a data directory of its own with the same two accounts, and creates every key it relies on.
let data: ReturnType<typeof dataDirFixture>;
let admin: { id: string };
beforeEach(async () => {
  data = dataDirFixture();
  admin = await createUser(data.dir, "admin@example.com", { admin: true });
  await createUser(data.dir, "user@example.com");
});
afterEach(() => data.remove());

const me = async (url: string, key: string) => fetch(`${url}/api/auth/me`, { headers: { "x-api-key": key } });

describe("argus keys", () => {
  test("create prints only the key on stdout, and that key authenticates against the API", async () => {
    const r = await argus(["keys", "create", "--email", "user@example.com", "--name", "ci"], { dataDir: data.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^argus_[A-Za-z0-9_-]+\n$/);
    expect(r.stderr).toContain('created API key "ci"');
    expect(r.stderr).toContain("shown only this once");

    const h = await createHarness({}, { dataDir: data.dir });
    try {
      const res = await h.request("/api/auth/me", { apiKey: r.stdout.trim() });
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).data.email).toBe("user@example.com");
    } finally {
      await h.close();
    }
  });

  test("create --json carries scopes and expiry; the database holds only the digest", async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const r = await argus(
      ["keys", "create", "--email", "admin@example.com", "--name", "writer", "--scopes", "articles:read,articles:write", "--expires", expires, "--json"],
      { dataDir: data.dir },
    );
    expect(r.code).toBe(0);
    const key = JSON.parse(r.stdout);
    expect(key).toMatchObject({ name: "writer", scopes: ["articles:read", "articles:write"], expiresAt: expires, isActive: true });
    const db = new Database(join(data.dir, "argus.db"), { readonly: true });
    const row = db.query("SELECT * FROM api_keys WHERE id = ?").get(key.id) as Record<string, unknown>;
    db.close();
    expect(row.user_id).toBe(admin.id);
    expect(JSON.stringify(row)).not.toContain(key.key);
  });

  test("create enforces the API's rules: known owner, admin-only write scope, future expiry, real scopes", async () => {
    const cases = [
      [["--email", "ghost@example.com", "--name", "x"], "argus: no user with email ghost@example.com"],
      [["--email", "user@example.com", "--name", "x", "--scopes", "articles:write"], "argus: Only an admin can create a key with the articles:write scope"],
      [["--email", "user@example.com", "--name", "x", "--expires", "2001-01-01T00:00:00Z"], "argus: Validation failed (expiresAt must be in the future)"],
      [["--email", "user@example.com", "--name", "x", "--expires", "next week"], "argus: --expires must be an ISO 8601 date, got 'next week'"],
      [["--email", "user@example.com", "--name", "x", "--scopes", "articles:delete"], "argus: invalid --scopes:"],
      [["--email", "user@example.com", "--name", ""], "argus: invalid --name: must be 1 to 100 characters"],
    ] as const;
    for (const [args, message] of cases) {
      const r = await argus(["keys", "create", ...args], { dataDir: data.dir });
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 1, stdout: "" });
      expect(r.stderr).toStartWith(message);
    }
  });

  test("list shows a user's keys without the secret", async () => {
    const ci = await argus(["keys", "create", "--email", "user@example.com", "--name", "ci", "--json"], { dataDir: data.dir });
    expect(ci.code).toBe(0);
    const created = JSON.parse(ci.stdout) as { id: string; key: string };
    // Another user's key must not show up in this user's list.
    expect((await argus(["keys", "create", "--email", "admin@example.com", "--name", "admin-only"], { dataDir: data.dir })).code).toBe(0);

    const r = await argus(["keys", "list", "--email", "user@example.com"], { dataDir: data.dir });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+KEY\s+SCOPES/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toStartWith(created.id);
    expect(lines[1]).toMatch(/ci\s+argus_\w{2}…\w{4}\s+articles:read\s+yes/);
    expect(r.stdout).not.toContain(created.key);

    const listed = await argus(["keys", "list", "--email", "user@example.com", "--json"], { dataDir: data.dir });
    expect(listed.code).toBe(0);
    const json = JSON.parse(listed.stdout);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({
      id: created.id, name: "ci", keyPrefix: created.key.slice(0, 8), lastFour: created.key.slice(-4), scopes: ["articles:read"], isActive: true,
    });
    expect(json[0]).not.toHaveProperty("key");
    expect(listed.stdout).not.toContain(created.key);
    const none = await argus(["keys", "list", "--email", "ghost@example.com"], { dataDir: data.dir });
    expect(none).toMatchObject({ code: 1, stdout: "", stderr: "argus: no user with email ghost@example.com\n" });
  });

  test("list escapes a stored name's control characters (older rows predate the rule), in text and in --json", async () => {
    const ci = await argus(["keys", "create", "--email", "user@example.com", "--name", "ci", "--json"], { dataDir: data.dir });
    const { id } = JSON.parse(ci.stdout) as { id: string };
    const db = new Database(join(data.dir, "argus.db"));
    db.query("UPDATE api_keys SET name = ? WHERE id = ?").run("x\u001b]0;owned\u0007\u009b2J\u202eok", id);
    db.close();

    const text = await argus(["keys", "list", "--email", "user@example.com"], { dataDir: data.dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("x\\u001b]0;owned\\u0007\\u009b2J\\u202eok");
    expect(text.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    const json = await argus(["keys", "list", "--email", "user@example.com", "--json"], { dataDir: data.dir });
    expect(json.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(json.stdout)[0].name).toBe("x\u001b]0;owned\u0007\u009b2J\u202eok");
  });

  test("an error quoting a typed argument shows its escape codes, never runs them", async () => {
    const r = await argus(["keys", "list", "--email", "\u001b[1mghost@example.com"], { dataDir: data.dir });
    expect(r).toMatchObject({ code: 1, stderr: "argus: no user with email \\u001b[1mghost@example.com\n" });
  });

  test("revoke-all revokes every key of one user, and nobody else's", async () => {
    const mint = async (email: string) =>
      JSON.parse((await argus(["keys", "create", "--email", email, "--name", "k", "--json"], { dataDir: data.dir })).stdout) as { key: string };
    const mine = [await mint("user@example.com"), await mint("user@example.com")];
    const theirs = await mint("admin@example.com");

    const r = await argus(["keys", "revoke-all", "--email", "User@Example.com"], { dataDir: data.dir });
    expect(r).toMatchObject({ code: 0, stdout: "revoked 2 API key(s) of user@example.com\n" });
    const again = await argus(["keys", "revoke-all", "--email", "user@example.com", "--json"], { dataDir: data.dir });
    expect(JSON.parse(again.stdout)).toEqual({ email: "user@example.com", revoked: 0 });

    const h = await createHarness({}, { dataDir: data.dir });
    try {
      for (const k of mine) expect(((await (await h.request("/api/auth/me", { apiKey: k.key })).json()) as any).error).toBe("API key has been revoked");
      expect((await h.request("/api/auth/me", { apiKey: theirs.key })).status).toBe(200);
    } finally {
      await h.close();
    }
    const ghost = await argus(["keys", "revoke-all", "--email", "ghost@example.com"], { dataDir: data.dir });
    expect(ghost).toMatchObject({ code: 1, stdout: "", stderr: "argus: no user with email ghost@example.com\n" });
  });

  test("revoke of an unknown id is exit 1", async () => {
    const r = await argus(["keys", "revoke", "00000000-0000-0000-0000-000000000000"], { dataDir: data.dir });
    expect(r).toMatchObject({ code: 1, stderr: "argus: API key not found\n" });
  });
});

describe("argus keys while `argus serve` runs on the same database", () => {
  test("a user and a key created by the CLI work at once; a key revoked by the CLI fails on the next request", async () => {
    const server = await startServer(data.dir);
    try {
      await createUser(data.dir, "while-serving@example.com");
      const login = await fetch(`${server.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "while-serving@example.com", password: "correct horse battery" }),
      });
      expect(login.status).toBe(200);

      const created = await argus(["keys", "create", "--email", "user@example.com", "--name", "live", "--json"], { dataDir: data.dir });
      expect(created.code).toBe(0);
      const { id, key } = JSON.parse(created.stdout);
      expect((await me(server.url, key)).status).toBe(200);
      expect((await me(server.url, key)).status).toBe(200); // now served from the server's key cache

      const revoked = await argus(["keys", "revoke", id], { dataDir: data.dir });
      expect(revoked).toMatchObject({ code: 0, stdout: `revoked API key ${id}\n` });
      const res = await me(server.url, key);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ success: false, code: "UNAUTHORIZED", error: "API key has been revoked" });

      const again = await argus(["keys", "revoke", id], { dataDir: data.dir });
      expect(again.code).toBe(1);
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
    }
  });
});
