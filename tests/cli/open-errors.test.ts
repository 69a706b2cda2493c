import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/harness.ts";
import { cleanEnv, freePort } from "../support/process.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// A database that cannot be opened is one line on stderr naming the path and the cause, for serve and any command.

async function run(args: string[], dataDir: string) {
  const proc = Bun.spawn(["bun", "server/main.ts", ...args], {
    env: cleanEnv({ ARGUS_DATA_DIR: dataDir, PORT: String(freePort()) }), stdout: "pipe", stderr: "pipe", timeout: 30_000,
  });
  return { code: await proc.exited, stderr: (await new Response(proc.stderr).text()).trim() };
}

describe("opening the database fails with one line that names the path and the cause", () => {
  const cases = {
    "a data dir under a regular file": () => {
      const dir = tempDir();
      writeFileSync(join(dir, "file"), "");
      return { dataDir: join(dir, "file", "sub"), expect: /^argus: cannot create the data directory .*file\/sub: ENOTDIR/ };
    },
    "a database path that is a directory": () => {
      const dir = tempDir();
      mkdirSync(join(dir, "argus.db"));
      return { dataDir: dir, expect: /^argus: cannot open the database .*argus\.db: SQLITE_CANTOPEN/ };
    },
    "a file that is not a database": () => {
      const dir = tempDir();
      writeFileSync(join(dir, "argus.db"), Buffer.alloc(8192, 7));
      return { dataDir: dir, expect: /^argus: cannot open the database .*argus\.db: SQLITE_NOTADB: file is not a database$/ };
    },
  };
  for (const [name, make] of Object.entries(cases)) {
    for (const args of [["serve"], ["migrate"], ["users", "list"]]) {
      test(`${name}: argus ${args.join(" ")}`, async () => {
        const c = make();
        const { code, stderr } = await run(args, c.dataDir);
        expect(code).toBe(1);
        expect(stderr.split("\n")).toHaveLength(1);
        expect(stderr).toMatch(c.expect);
        expect(stderr).not.toMatch(/CREATE|SELECT|INSERT/);
      });
    }
  }
});
