import { expect, test, setDefaultTimeout } from "bun:test";
import { join, relative } from "node:path";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const root = join(import.meta.dir, "../../console");

test("the console imports nothing from server/ but the router's type", async () => {
  const offenders: string[] = [];
  let serverImports = 0;
  for (const file of new Bun.Glob("**/*.{ts,tsx}").scanSync(root)) {
    const source = await Bun.file(join(root, file)).text();
    for (const m of source.matchAll(/^\s*import\s+(type\s+)?[^;]*?from\s+["']([^"']+)["']/gm)) {
      const [, typeOnly, from] = m;
      if (!from!.includes("server/")) continue;
      serverImports++;
      if (!typeOnly) offenders.push(`${relative(root, join(root, file))}: ${m[0].trim()}`);
    }
  }
  expect(offenders).toEqual([]);
  expect(serverImports).toBe(1);
});
