import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv } from "../support/process.ts";
import { cleanUp, startWithAdmin, type AdminServer } from "./admin-server.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// A database deleted or replaced under a running server: writes are refused (503), health says so, and the CLI
// will not create a fresh database beside the orphaned WAL.

let s: AdminServer | undefined;
let dir: string;
afterEach(() => cleanUp(s));

async function start() {
  s = await startWithAdmin("ident");
  const { url, token } = s;
  dir = s.dir;
  const createKey = (name: string) =>
    fetch(`${url}/api/keys`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ name }) });
  expect((await createKey("before")).status).toBe(201);
  return { createKey, health: async () => ((await (await fetch(`${url}/api/health`)).json()) as any).data };
}

for (const [what, change] of [
  ["deleted", (file: string) => unlinkSync(file)],
  ["replaced", (file: string) => {
    copyFileSync(file, `${file}.copy`);
    renameSync(`${file}.copy`, file);
  }],
] as const) {
  test(`a database ${what} while running: writes get 503, health reports database "failing"`, async () => {
    const s = await start();
    expect(await s.health()).toMatchObject({ status: "ok", database: "ok" });
    change(join(dir, "argus.db"));
    const res = await s.createKey("after");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await res.json()) as any).error).toMatch(/deleted or replaced/);
    expect(await s.health()).toMatchObject({ status: "degraded", database: "failing" });
  });
}

test("the CLI refuses to create a database next to an orphaned WAL, naming the path", async () => {
  const s = await start();
  unlinkSync(join(dir, "argus.db"));
  expect((await s.createKey("after")).status).toBe(503);
  const cli = Bun.spawn(["bun", "server/main.ts", "users", "list"], { env: cleanEnv({ ARGUS_DATA_DIR: dir }), stdout: "pipe", stderr: "pipe" });
  expect(await cli.exited).toBe(1);
  const err = (await new Response(cli.stderr).text()).trim();
  expect(err.split("\n")).toHaveLength(1);
  expect(err).toContain(join(dir, "argus.db"));
  expect(err).toContain("WAL");
});

test("the CLI refuses a database file that replaced the one a running server has open", async () => {
  const s = await start();
  const file = join(dir, "argus.db");
  copyFileSync(file, `${file}.copy`);
  renameSync(`${file}.copy`, file);
  expect((await s.createKey("after")).status).toBe(503);
  const cli = Bun.spawn(["bun", "server/main.ts", "users", "list"], { env: cleanEnv({ ARGUS_DATA_DIR: dir }), stdout: "pipe", stderr: "pipe" });
  expect(await cli.exited).toBe(1);
  const err = (await new Response(cli.stderr).text()).trim();
  expect(err).toMatch(/^argus: refusing to open .*argus\.db: a running server \(pid \d+\) has a different file open/);
});
