import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { chmodSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../server/config.ts";
import { createHarness, tempDir } from "../support/harness.ts";
import { cleanEnv } from "../support/process.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

describe("configuration", () => {
  test("defaults follow the contract", () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000, host: "0.0.0.0", dataDir: "./data", allowRegistration: true, rateLimitPerMinute: 100, jwtSecret: undefined,
      userRateLimitPerMinute: 1000,
    });
  });

  test("a bad value is one line naming the variable", () => {
    for (const [name, value] of [["PORT", "abc"], ["ARGUS_JWT_SECRET", "short"], ["ARGUS_ALLOW_REGISTRATION", "maybe"],
      ["ARGUS_RATE_LIMIT_PER_MINUTE", "0"], ["ARGUS_ADMIN_EMAIL", "nope"], ["ARGUS_USER_RATE_LIMIT_PER_MINUTE", "-1"],
      ["ARGUS_USER_RATE_LIMIT_PER_MINUTE", "1000001"]]) {
      const err = (() => {
        try {
          loadConfig({ [name!]: value });
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect(err!.message).toContain(name!);
      expect(err!.message).not.toContain("\n");
    }
  });

  test("the server process stops at start with that line", async () => {
    const proc = Bun.spawn(["bun", "server/main.ts"], {
      env: cleanEnv({ PORT: "not-a-port", ARGUS_DATA_DIR: tempDir() }), stderr: "pipe", stdout: "pipe", timeout: 30_000,
    });
    expect(await proc.exited).not.toBe(0);
    const err = await new Response(proc.stderr).text();
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toContain("PORT");
  });
});

describe("persistence across restarts", () => {
  test("users, keys and the generated secret survive a restart: the same token still works", async () => {
    const dataDir = tempDir();
    const first = await createHarness({}, { dataDir });
    const u = await first.signUp();
    const k = await first.createKey(u.token);
    await first.close(false);
    expect(statSync(join(dataDir, "jwt-secret")).mode & 0o777).toBe(0o600);
    const second = await createHarness({}, { dataDir });
    expect((await second.request("/api/auth/me", { token: u.token })).status).toBe(200);
    expect((await second.request("/api/auth/me", { apiKey: k.key })).status).toBe(200);
    const journal = second.core.deps.db.$client.query("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number };
    const entries = (await Bun.file(join(import.meta.dir, "../../db/migrations/meta/_journal.json")).json()).entries;
    expect(journal.n).toBe(entries.length);
    await second.close();
  });

  test("the admin from ARGUS_ADMIN_EMAIL is created once and its password never overwritten", async () => {
    const dataDir = tempDir();
    const first = await createHarness({ adminEmail: "root@example.com", adminPassword: "first-password" }, { dataDir });
    const login = (h: typeof first, password: string) => h.request("/api/auth/login", { method: "POST", json: { email: "root@example.com", password } });
    const res = await login(first, "first-password");
    expect(((await res.json()) as any).data.user.role).toBe("admin");
    await first.close(false);
    const second = await createHarness({ adminEmail: "root@example.com", adminPassword: "second-password" }, { dataDir });
    expect((await login(second, "first-password")).status).toBe(200);
    expect((await login(second, "second-password")).status).toBe(401);
    await second.close();
  });

  test("a jwt-secret readable by others is made 0600 and kept, with a warning that says what to do", async () => {
    const dataDir = tempDir();
    const first = await createHarness({}, { dataDir });
    const u = await first.signUp();
    await first.close(false);
    const file = join(dataDir, "jwt-secret");
    const secret = readFileSync(file, "utf8");
    chmodSync(file, 0o644);
    const logs: string[] = [];
    const second = await createHarness({}, { dataDir, logs });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe(secret);
    expect((await second.request("/api/auth/me", { token: u.token })).status).toBe(200);
    const warnings = logs.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
    expect(warnings).toEqual([expect.objectContaining({ msg: expect.stringContaining("jwt-secret"), file, was: "0644" })]);
    expect(logs.join("\n")).not.toContain(secret.trim());
    await second.close();
  });

  test("ARGUS_ADMIN_EMAIL of an existing non-admin: nothing changes, and a warning says how to promote them", async () => {
    const dataDir = tempDir();
    const first = await createHarness({}, { dataDir });
    const u = await first.signUp("user", "taken@example.com");
    await first.close(false);
    const logs: string[] = [];
    const second = await createHarness({ adminEmail: "Taken@example.com", adminPassword: "admin-password" }, { dataDir, logs });
    const warning = logs.map((l) => JSON.parse(l)).find((l) => l.level === "warn");
    expect(warning).toMatchObject({ msg: expect.stringContaining("non-admin"), email: "Taken@example.com" });
    expect(warning.action).toContain("argus users set-role");
    expect(logs.join("\n")).not.toContain("admin-password");
    const me = await second.request("/api/auth/me", { token: u.token });
    expect(((await me.json()) as any).data.role).toBe("user");
    const login = await second.request("/api/auth/login", { method: "POST", json: { email: "taken@example.com", password: "admin-password" } });
    expect(login.status).toBe(401);
    await second.close();
  });
});
