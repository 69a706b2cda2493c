import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Bun 1.4 applies the preload's setDefaultTimeout to the first test file of a run only; every other file falls
// back to 5 s, which process-spawning suites exceed on a loaded box. So each file sets its own.
test("every test file sets its own 60 s default timeout", () => {
  const root = join(import.meta.dir, "..");
  const missing = [...new Bun.Glob("**/*.test.ts").scanSync(root)].filter(
    (f) => !/^setDefaultTimeout\(60_000\);/m.test(readFileSync(join(root, f), "utf8")),
  );
  expect(missing).toEqual([]);
});
