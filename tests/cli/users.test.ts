import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness } from "../support/harness.ts";
import { argus, baseEnv, createUser, dataDirFixture, kill, repo, RUN_DEADLINE_MS, track } from "./run.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Each test gets a data directory of its own and creates every user it relies on.
let data: ReturnType<typeof dataDirFixture>;
beforeEach(() => void (data = dataDirFixture()));
afterEach(() => data.remove());
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
    await createUser(data.dir, "ada@example.com", { admin: true });
    const taken = await argus(["users", "create", "--email", "ada@example.com", "--password-stdin"], { dataDir: data.dir, stdin: password });
    expect(taken).toMatchObject({ code: 1, stdout: "", stderr: "argus: Email is already registered\n" });
    const short = await argus(["users", "create", "--email", "bo@example.com", "--password-stdin"], { dataDir: data.dir, stdin: "short\n" });
    expect(short).toMatchObject({ code: 1, stdout: "", stderr: "argus: invalid password: must be at least 8 characters\n" });
    const bad = await argus(["users", "create", "--email", "not-an-email", "--password-stdin"], { dataDir: data.dir, stdin: password });
    expect(bad).toMatchObject({ code: 1, stdout: "", stderr: "argus: invalid --email: must be a valid email address\n" });
    const listed = JSON.parse((await argus(["users", "list", "--json"], { dataDir: data.dir })).stdout) as { email: string }[];
    expect(listed.map((u) => u.email)).toEqual(["ada@example.com"]);
  });

  test("create without --password-stdin and without a terminal is a usage error, not a hang", async () => {
    const r = await argus(["users", "create", "--email", "cy@example.com"], { dataDir: data.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no password: pass --password-stdin");
  });

  test("create on a terminal prompts twice with echo off", async () => {
    // The screen as the terminal shows it; waiters are woken by its data callback, never by polling.
    let screen = "";
    const waiters: { text: string; found: () => void }[] = [];
    const proc = track(
      Bun.spawn(["bun", "server/main.ts", "users", "create", "--email", "tty@example.com"], {
        cwd: repo,
        env: baseEnv({ ARGUS_DATA_DIR: data.dir }),
        timeout: RUN_DEADLINE_MS,
        killSignal: "SIGKILL",
        terminal: {
          cols: 100,
          rows: 24,
          data(_t, bytes) {
            screen += new TextDecoder().decode(bytes);
            for (const w of waiters.splice(0)) if (screen.includes(w.text)) w.found();
            else waiters.push(w);
          },
        },
      }),
    );
    const waitFor = (text: string) =>
      Promise.race([
        new Promise<void>((found) => (screen.includes(text) ? found() : waiters.push({ text, found }))),
        proc.exited.then((code) => {
          if (!screen.includes(text)) throw new Error(`exited (${code}) without showing ${JSON.stringify(text)}; screen: ${JSON.stringify(screen)}`);
        }),
      ]);
    // The CLI prints each prompt a moment before it turns echo off, so typing as soon as the prompt shows could
    // race it (the pty would echo). There is no event for a termios change: poll the pty's ECHO flag (it is
    // the child's terminal state) until it clears. This waits on a condition, never for an amount of time.
    const ECHO = 0o10; // c_lflag ECHO on Linux
    const echoOff = async () => {
      while (proc.terminal!.localFlags & ECHO) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`exited while echo was on; screen: ${JSON.stringify(screen)}`);
        await Bun.sleep(1);
      }
    };
    try {
      await waitFor("Password: ");
      await echoOff();
      proc.terminal!.write("tty-password-1\r");
      await waitFor("Repeat password: ");
      await echoOff();
      proc.terminal!.write("tty-password-1\r");
      await waitFor("created tty@example.com");
      expect(await proc.exited).toBe(0);
      expect(screen).not.toContain("tty-password-1");
    } finally {
      await kill(proc);
      proc.terminal?.close();
    }

    const h = await createHarness({}, { dataDir: data.dir });
    try {
      const login = await h.request("/api/auth/login", { method: "POST", json: { email: "tty@example.com", password: "tty-password-1" } });
      expect(login.status).toBe(200);
    } finally {
      await h.close();
    }
  });

  test("list shows every user; --json gives the records", async () => {
    await createUser(data.dir, "ada@example.com", { admin: true, name: "Ada" });
    await createUser(data.dir, "list-me@example.com");
    const text = await argus(["users", "list"], { dataDir: data.dir });
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+EMAIL\s+NAME\s+ROLE\s+ACTIVE\s+CREATED$/);
    expect(lines).toHaveLength(3);
    expect(text.stdout).toMatch(/ada@example\.com\s+Ada\s+admin\s+yes/);
    expect(text.stdout).toMatch(/list-me@example\.com\s+-\s+user\s+yes/);
    const json = await argus(["users", "list", "--json"], { dataDir: data.dir });
    expect(json.code).toBe(0);
    const users = JSON.parse(json.stdout) as { email: string; role: string; isActive: boolean }[];
    expect(users.map((u) => ({ email: u.email, role: u.role, isActive: u.isActive })).sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      { email: "ada@example.com", role: "admin", isActive: true },
      { email: "list-me@example.com", role: "user", isActive: true },
    ]);
    expect(JSON.stringify(users)).not.toContain("passwordHash");
  });

  test("set-role promotes and demotes, but never the last active admin", async () => {
    await createUser(data.dir, "ada@example.com", { admin: true });
    await createUser(data.dir, "list-me@example.com");
    const roles = async () =>
      Object.fromEntries(
        (JSON.parse((await argus(["users", "list", "--json"], { dataDir: data.dir })).stdout) as { email: string; role: string }[]).map((u) => [u.email, u.role]),
      );

    const promote = await argus(["users", "set-role", "list-me@example.com", "admin"], { dataDir: data.dir });
    expect(promote).toMatchObject({ code: 0, stdout: "list-me@example.com is now admin\n" });
    expect(await roles()).toEqual({ "ada@example.com": "admin", "list-me@example.com": "admin" });
    expect((await argus(["users", "set-role", "list-me@example.com", "user"], { dataDir: data.dir })).code).toBe(0);
    const last = await argus(["users", "set-role", "ada@example.com", "user"], { dataDir: data.dir });
    expect(last).toMatchObject({ code: 1, stderr: "argus: Cannot remove the last active admin\n" });
    const role = await argus(["users", "set-role", "ada@example.com", "root"], { dataDir: data.dir });
    expect(role.code).toBe(1);
    expect(role.stderr).toStartWith("argus: invalid role (user or admin)");
    const nobody = await argus(["users", "set-role", "ghost@example.com", "admin"], { dataDir: data.dir });
    expect(nobody).toMatchObject({ code: 1, stderr: "argus: no user with email ghost@example.com\n" });
    expect(await roles()).toEqual({ "ada@example.com": "admin", "list-me@example.com": "user" });
  });

  test("deactivate ends the user's sessions", async () => {
    await createUser(data.dir, "list-me@example.com");
    const h = await createHarness({}, { dataDir: data.dir });
    try {
      const login = await h.request("/api/auth/login", { method: "POST", json: { email: "list-me@example.com", password } });
      expect(login.status).toBe(200);
      const { token } = ((await login.json()) as any).data;
      expect((await h.request("/api/auth/me", { token })).status).toBe(200);

      const r = await argus(["users", "deactivate", "list-me@example.com", "--json"], { dataDir: data.dir });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ email: "list-me@example.com", isActive: false });
      // Another process changed the row: the next request sees it, no restart needed.
      const after = await h.request("/api/auth/me", { token });
      expect(after.status).toBe(401);
      expect(await after.json()).toMatchObject({ success: false, code: "UNAUTHORIZED" });
    } finally {
      await h.close();
    }
  });
});
