import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, exec, repo } from "../cli/run.ts";
import { createHarness, tempDir, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The document as served, linted by Redocly's recommended rules (the CLI pinned in devDependencies, run by Node).
const dir = tempDir();
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

test("Redocly lint finds 0 errors in GET /api/openapi.json", async () => {
  const file = join(dir, "openapi.json");
  writeFileSync(file, await (await h.request("/api/openapi.json")).text());
  const cli = join(repo, "node_modules/@redocly/cli/bin/cli.js");
  const r = await exec(["node", cli, "lint", file, "--format", "json"], {
    cwd: dir,
    env: baseEnv({ REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" }),
    deadlineMs: 90_000,
  });
  const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  const errors = report.problems.filter((p: { severity: string }) => p.severity === "error");
  expect(errors).toEqual([]);
  expect(report.totals.errors).toBe(0);
  expect(r.code).toBe(0);
}, 120_000);
