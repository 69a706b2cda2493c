import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { exec, repo } from "../cli/run.ts";
import { tempDir } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// `bun run release` for this machine's target only: the other three each fetch a ~45 MB Bun runtime, which a test
// run should not. The script, the naming and the checksum file are the same for every target.
const outdir = tempDir();
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const host = process.platform === "linux" && process.arch === "x64" ? "bun-linux-x64" : undefined;

test.skipIf(!host)("bun run release builds the named target and a SHA256SUMS that sha256sum -c accepts", async () => {
  const r = await exec(["bun", "run", "release", "--targets", host!, "--outdir", outdir], { cwd: repo, deadlineMs: 240_000 });
  expect(r.code).toBe(0);
  const name = `argus-${pkg.version}-linux-x64`;
  expect(readdirSync(outdir).sort()).toEqual(["SHA256SUMS", name]);
  const sums = readFileSync(join(outdir, "SHA256SUMS"), "utf8");
  const digest = new Bun.CryptoHasher("sha256").update(readFileSync(join(outdir, name))).digest("hex");
  expect(sums).toBe(`${digest}  ${name}\n`);
  expect((await exec(["sha256sum", "-c", "SHA256SUMS"], { cwd: outdir })).code).toBe(0);
  const version = await exec([join(outdir, name), "--version"], { cwd: outdir });
  expect(version.stdout).toMatch(new RegExp(`^argus ${pkg.version.replaceAll(".", "\\.")} \\(commit [0-9a-f]{12}\\)\\n$`));
}, 300_000);

test("bun run release refuses an unknown target, exit 2, before building anything", async () => {
  const r = await exec(["bun", "run", "release", "--targets", "bun-plan9-mips", "--outdir", join(outdir, "none")], { cwd: repo });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("unknown target bun-plan9-mips");
});
