import { afterAll, describe, expect, test } from "bun:test";
import { createHarness } from "../support/harness.ts";
import { argus, cleanEnv, createUser, dataDirFixture, repo } from "./run.ts";

const data = dataDirFixture();
afterAll(data.remove);
const password = "correct horse battery";

describe("argus users", () => {
  test("create --password-stdin makes an account that can log in over the API", async () => {
    const r = await argus(["users", "create", "--email", " Ada@Example.com ", "--name", "Ada", "--admin", "--password-stdin"], {
      dataDir: data.dir,
      stdin: `${password}\n`,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^created ada@example\.com \(admin\) id [0-9a-f-]{36}\n$/);

    const h = await createHarness({}, { dataDir: data.dir });
    try {
      const res = await h.request("/api/auth/login", { method: "POST", json: { email: "ada@example.com", password } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).data.user).toMatchObject({ email: "ada@example.com", name: "Ada", role: "admin" });
    } finally {
      await h.close();
    }
  });

  test("create refuses a taken email, a short password, and a bad email (exit 1, one line)", async () => {
    const taken = await argus(["users", "create", "--email", "ada@example.com", "--password-stdin"], { dataDir: data.dir, stdin: password });
    expect(taken).toMatchObject({ code: 1, stderr: "argus: Email is already registered\n" });
    const short = await argus(["users", "create", "--email", "bo@example.com", "--password-stdin"], { dataDir: data.dir, stdin: "short\n" });
    expect(short).toMatchObject({ code: 1, stderr: "argus: invalid password: must be at least 8 characters\n" });
    const bad = await argus(["users", "create", "--email", "not-an-email", "--password-stdin"], { dataDir: data.dir, stdin: password });
    expect(bad).toMatchObject({ code: 1, stderr: "argus: invalid --email: must be a valid email address\n" });
  });

  test("create without --password-stdin and without a terminal is a usage error, not a hang", async () => {
    const r = await argus(["users", "create", "--email", "cy@example.com"], { dataDir: data.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no password: pass --password-stdin");
  });

  test("create on a terminal prompts twice with echo off", async () => {
    let screen = "";
    const proc = Bun.spawn(["bun", "server/main.ts", "users", "create", "--email", "tty@example.com"], {
      cwd: repo,
      env: { ...cleanEnv(), ARGUS_DATA_DIR: data.dir },
      terminal: { cols: 100, rows: 24, data: (_t, bytes) => void (screen += new TextDecoder().decode(bytes)) },
    });
    const waitFor = async (s: string) => {
      for (let i = 0; i < 250 && !screen.includes(s); i++) await Bun.sleep(20);
      expect(screen).toContain(s);
    };
    await waitFor("Password: ");
    proc.terminal!.write("tty-password-1\r");
    await waitFor("Repeat password: ");
    proc.terminal!.write("tty-password-1\r");
    expect(await proc.exited).toBe(0);
    await waitFor("created tty@example.com");
    expect(screen).not.toContain("tty-password-1");
  });

  test("list shows every user; --json gives the records", async () => {
    await createUser(data.dir, "list-me@example.com");
    const text = await argus(["users", "list"], { dataDir: data.dir });
    expect(text.code).toBe(0);
    expect(text.stdout.split("\n")[0]).toMatch(/^ID\s+EMAIL\s+NAME\s+ROLE\s+ACTIVE\s+CREATED$/);
    expect(text.stdout).toMatch(/list-me@example\.com\s+-\s+user\s+yes/);
    const json = await argus(["users", "list", "--json"], { dataDir: data.dir });
    const users = JSON.parse(json.stdout) as { email: string; role: string; isActive: boolean }[];
    expect(users.map((u) => u.email)).toEqual(expect.arrayContaining(["ada@example.com", "list-me@example.com", "tty@example.com"]));
    expect(JSON.stringify(users)).not.toContain("passwordHash");
  });

  test("set-role promotes and demotes, but never the last active admin", async () => {
    const promote = await argus(["users", "set-role", "list-me@example.com", "admin"], { dataDir: data.dir });
    expect(promote).toMatchObject({ code: 0, stdout: "list-me@example.com is now admin\n" });
    expect((await argus(["users", "set-role", "list-me@example.com", "user"], { dataDir: data.dir })).code).toBe(0);
    const last = await argus(["users", "set-role", "ada@example.com", "user"], { dataDir: data.dir });
    expect(last).toMatchObject({ code: 1, stderr: "argus: Cannot remove the last active admin\n" });
    const role = await argus(["users", "set-role", "ada@example.com", "root"], { dataDir: data.dir });
    expect(role.code).toBe(1);
    expect(role.stderr).toStartWith("argus: invalid role (user or admin)");
    const nobody = await argus(["users", "set-role", "ghost@example.com", "admin"], { dataDir: data.dir });
    expect(nobody).toMatchObject({ code: 1, stderr: "argus: no user with email ghost@example.com\n" });
  });

  test("deactivate ends the user's sessions", async () => {
    const h = await createHarness({}, { dataDir: data.dir });
    try {
      const login = await h.request("/api/auth/login", { method: "POST", json: { email: "list-me@example.com", password } });
      const { token } = ((await login.json()) as any).data;
      expect((await h.request("/api/auth/me", { token })).status).toBe(200);

      const r = await argus(["users", "deactivate", "list-me@example.com", "--json"], { dataDir: data.dir });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ email: "list-me@example.com", isActive: false });
      // Another process changed the row: the next request sees it, no restart needed.
      expect((await h.request("/api/auth/me", { token })).status).toBe(401);
    } finally {
      await h.close();
    }
  });
});
