import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { argus, dataDirFixture } from "./run.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const data = dataDirFixture();
afterAll(data.remove);

describe("argus: dispatch, help and usage errors", () => {
  test("--version prints the package.json version", async () => {
    const r = await argus(["--version"]);
    expect(r).toMatchObject({ code: 0, stdout: `argus ${pkg.version}\n`, stderr: "" });
  });

  test("--help lists every command; <command> --help shows that command's usage", async () => {
    const top = await argus(["--help"]);
    expect(top.code).toBe(0);
    for (const c of ["serve", "migrate", "users", "keys", "seed", "config check", "backup"]) expect(top.stdout).toContain(c);
    const keys = await argus(["keys", "create", "--help"]);
    expect(keys.code).toBe(0);
    expect(keys.stdout).toContain("argus keys create --email E --name N");
  });

  test("an unknown command is one line on stderr and exit 2", async () => {
    const r = await argus(["frobnicate"], { dataDir: data.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("argus: unknown command 'frobnicate' (see 'argus --help')\n");
  });

  test("an unknown flag, subcommand, stray or missing argument is exit 2", async () => {
    const cases = [
      [["users", "list", "--frob"], "unknown option '--frob'"],
      [["users", "promote"], "unknown users subcommand 'promote'"],
      [["users", "toString"], "unknown users subcommand 'toString'"],
      [["keys"], "missing keys subcommand"],
      [["keys", "create", "--name", "x"], "missing --email"],
      [["keys", "revoke"], "missing <id>"],
      [["backup", "a.db", "b.db"], "unexpected argument 'b.db'"],
      [["serve", "--port"], "option '--port <value>' argument missing"],
      [["seed"], "seed needs --demo"],
    ] as const;
    for (const [args, message] of cases) {
      const r = await argus([...args], { dataDir: data.dir });
      expect({ args, code: r.code, lines: r.stderr.trim().split("\n").length }).toEqual({ args, code: 2, lines: 1 });
      expect(r.stderr).toContain(message);
    }
  });

  test("a bad configuration value is one line naming the variable, exit 1", async () => {
    const r = await argus(["config", "check"], { dataDir: data.dir, env: { PORT: "abc" } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toStartWith("Invalid configuration: PORT");
    const serve = await argus([], { dataDir: data.dir, env: { ARGUS_JWT_SECRET: "too short" } });
    expect(serve.code).toBe(1);
    expect(serve.stderr).toStartWith("Invalid configuration: ARGUS_JWT_SECRET");
  });

  test("serve --port must be a number (exit 1), like PORT", async () => {
    const r = await argus(["serve", "--port", "eighty"], { dataDir: data.dir });
    expect(r).toMatchObject({ code: 1, stderr: "argus: --port must be a whole number, got 'eighty'\n" });
  });
});

describe("argus config check", () => {
  const secret = "s3cr3t-".repeat(6);
  const env = { ARGUS_JWT_SECRET: secret, ARGUS_ADMIN_EMAIL: "root@example.com", ARGUS_ADMIN_PASSWORD: "hunter2hunter2", PORT: "8081" };

  test("prints the effective configuration with secrets masked", async () => {
    const r = await argus(["config", "check"], { dataDir: data.dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("configuration OK");
    expect(r.stdout).toMatch(/PORT\s+8081/);
    expect(r.stdout).toMatch(/ARGUS_JWT_SECRET\s+\*\*\*/);
    expect(r.stdout).toMatch(/ARGUS_ADMIN_PASSWORD\s+\*\*\*/);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout + r.stderr).not.toContain("hunter2hunter2");
  });

  test("--json gives the same facts; an unset secret shows as (generated); a Redis password is hidden", async () => {
    const r = await argus(["config", "check", "--json"], { dataDir: data.dir, env: { ARGUS_REDIS_URL: "redis://:pw-xyz@cache:6379/0" } });
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.ok).toBe(true);
    expect(body.config).toMatchObject({ PORT: 3000, ARGUS_JWT_SECRET: "(generated)", ARGUS_ADMIN_PASSWORD: "(unset)", ARGUS_DATA_DIR: data.dir });
    expect(body.config.ARGUS_REDIS_URL).toBe("redis://:***@cache:6379/0");
  });

  test("masks a Redis credential in every URL form: user:pw@, a lone pw@, ?password=", async () => {
    const cases = [
      ["redis://app:pw-one@cache:6379", "redis://app:***@cache:6379"],
      ["redis://pw-two@cache:6379/1", "redis://***@cache:6379/1"],
      ["rediss://cache:6380/0?password=pw-three&db=2", "rediss://cache:6380/0?password=***&db=2"],
      ["redis://cache?username=app&auth=pw-four", "redis://cache?username=app&auth=***"],
    ] as const;
    for (const [url, shown] of cases) {
      const r = await argus(["config", "check", "--json"], { dataDir: data.dir, env: { ARGUS_REDIS_URL: url } });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).config.ARGUS_REDIS_URL).toBe(shown);
      expect(r.stdout + r.stderr).not.toMatch(/pw-/);
    }
  });
});
