import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { argus, createUser, dataDirFixture } from "../cli/run.ts";
import { createHarness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// `argus audit` on the host: what commands do is recorded as "cli", and the log reads back as a table or JSON.

let data: ReturnType<typeof dataDirFixture>;
let admin: { id: string };
let user: { id: string };
let keyId: string;
beforeAll(async () => {
  data = dataDirFixture();
  admin = await createUser(data.dir, "admin@example.com", { admin: true });
  user = await createUser(data.dir, "user@example.com");
  const key = await argus(["keys", "create", "--email", "user@example.com", "--name", "deploy", "--json"], { dataDir: data.dir });
  keyId = JSON.parse(key.stdout).id;
  // One action through the API too, so the log holds an address and a request id.
  const h = await createHarness({}, { dataDir: data.dir });
  try {
    const login = await h.request("/api/auth/login", { method: "POST", json: { email: "user@example.com", password: "correct horse battery" } });
    expect(login.status).toBe(200);
  } finally {
    await h.close(false);
  }
  expect((await argus(["keys", "revoke", keyId, "--reason", "rotated out"], { dataDir: data.dir })).code).toBe(0);
  expect((await argus(["users", "set-role", "user@example.com", "admin"], { dataDir: data.dir })).code).toBe(0);
});
afterAll(() => data.remove());

describe("argus audit", () => {
  test("prints a table, newest first, with the CLI as actor of what commands did", async () => {
    const r = await argus(["audit"], { dataDir: data.dir });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^AT\s+ACTOR\s+ACTION\s+TARGET\s+IP\s+REQUEST ID\s+CHANGES$/);
    const actions = lines.slice(1).map((l) => l.split(/\s{2,}/).slice(1, 3).join(" "));
    expect(actions).toEqual([
      "cli user.update", "cli key.revoke", `${user.id} auth.login`, "cli key.create", "cli user.create", "cli user.create",
    ]);
    expect(lines[1]).toContain(`user:${user.id}`);
    expect(lines[1]).toContain('{"role":{"from":"user","to":"admin"}}');
    expect(lines[2]).toContain(`key:${keyId}`);
    expect(lines[2]).toContain('{"name":"deploy","reason":"rotated out"}');
    expect(r.stderr).toBe("");
  });

  test("--json with filters; --actor takes an email; --limit pages with the cursor printed on stderr", async () => {
    const byUser = await argus(["audit", "--actor", "user@example.com", "--json"], { dataDir: data.dir });
    expect(byUser.code).toBe(0);
    const body = JSON.parse(byUser.stdout);
    expect(body).toMatchObject({ hasMore: false, nextCursor: null });
    expect(body.events).toHaveLength(1);
    expect(body.events[0]).toMatchObject({ action: "auth.login", actor: user.id, subjectUserId: user.id, ip: "unknown" });
    expect(body.events[0].requestId).toEqual(expect.any(String));

    const created = JSON.parse((await argus(["audit", "--action", "user.create", "--json"], { dataDir: data.dir })).stdout);
    expect(created.events.map((e: any) => e.targetId)).toEqual([user.id, admin.id]);
    expect(created.events[1].changes).toEqual({ email: "admin@example.com", role: "admin" });

    const about = JSON.parse((await argus(["audit", "--user", "user@example.com", "--json"], { dataDir: data.dir })).stdout);
    expect(about.events.map((e: any) => `${e.actor === "cli" ? "cli" : "user"} ${e.action}`)).toEqual([
      "cli user.update", "cli key.revoke", "user auth.login", "cli key.create", "cli user.create",
    ]);

    const target = JSON.parse((await argus(["audit", "--target", keyId, "--json"], { dataDir: data.dir })).stdout);
    expect(target.events.map((e: any) => e.action)).toEqual(["key.revoke", "key.create"]);

    const first = await argus(["audit", "--limit", "2"], { dataDir: data.dir });
    const cursor = first.stderr.match(/--cursor (\S+)/)?.[1];
    expect(cursor).toBeDefined();
    const rest = await argus(["audit", "--limit", "10", "--cursor", cursor!, "--json"], { dataDir: data.dir });
    expect(JSON.parse(rest.stdout).events.map((e: any) => e.action)).toEqual(["auth.login", "key.create", "user.create", "user.create"]);

    const none = await argus(["audit", "--since", "2999-01-01"], { dataDir: data.dir });
    expect(none.stdout.trim()).toBe("no audit events");
  });

  test("bad values are usage errors; an unknown email is not found", async () => {
    const action = await argus(["audit", "--action", "key.explode"], { dataDir: data.dir });
    expect(action.code).toBe(2);
    expect(action.stderr).toContain("invalid --action");
    const since = await argus(["audit", "--since", "last tuesday"], { dataDir: data.dir });
    expect(since.code).toBe(2);
    const ghost = await argus(["audit", "--actor", "ghost@example.com"], { dataDir: data.dir });
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toContain("no user with email ghost@example.com");
    const help = await argus(["audit", "--help"]);
    expect(help.stdout).toContain("Usage: argus audit");
    expect((await argus(["--help"])).stdout).toContain("audit");
  });
});
