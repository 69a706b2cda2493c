import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { argus, exec, repo, startServer, type Server } from "../cli/run.ts";
import { tempDir } from "../support/harness.ts";
import { needs } from "../support/tools.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The published client as a stranger gets it: `bun pm pack` in packages/client (which builds it), then a project
// outside the repository installs the tarball from the npm registry's point of view, with only its own
// dependencies, type-checks against it and calls a real Argus server from Node and from Bun.
const root = tempDir();
const project = join(root, "consumer");
const dataDir = join(root, "data");
let tarball: string;
let server: Server;

const run = (cmd: string[], deadlineMs = 90_000) => exec(cmd, { cwd: project, deadlineMs });
// Each configuration is checked once; the NodeNext run also emits out/ (despite wrong.ts's errors) for Node to run.
const checks = new Map<string, ReturnType<typeof run>>();
const tsc = (config: string) => {
  if (!checks.has(config)) checks.set(config, run(["node", "node_modules/typescript/bin/tsc", "-p", config, "--pretty", "false"]));
  return checks.get(config)!;
};
/** tsc's errors as "file(line): TScode", in the order printed. */
const errors = (out: string) => [...out.matchAll(/^(src\/[\w.]+)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => `${m[1]}(${m[2]}): ${m[3]}`);
/** What src/wrong.ts promises: "src/wrong.ts(N): TSxxxx" for each line marked "expect TSxxxx". */
const expectedWrong = () =>
  readFileSync(join(project, "src/wrong.ts"), "utf8")
    .split("\n")
    .flatMap((line, i) => [...line.matchAll(/expect (TS\d+)/g)].map((m) => `src/wrong.ts(${i + 1}): ${m[1]}`));

const tools = needs("node and npm", Bun.which("node") !== null && Bun.which("npm") !== null, "install Node.js");

beforeAll(async () => {
  if (tools.skip) return;
  const packed = await exec(["bun", "pm", "pack", "--destination", root], { cwd: join(repo, "packages/client"), deadlineMs: 400_000 });
  if (packed.code !== 0) throw new Error(`bun pm pack failed: ${packed.stderr}${packed.stdout}`);
  tarball = join(root, readdirSync(root).find((f) => f.endsWith(".tgz"))!);

  cpSync(join(import.meta.dir, "consumer"), project, { recursive: true });
  const pkg = { name: "argus-consumer", private: true, type: "module", dependencies: { "@argus/client": `file:${tarball}`, typescript: "5.9.3" } };
  writeFileSync(join(project, "package.json"), JSON.stringify(pkg, null, 2));
  const installed = await run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], 120_000);
  if (installed.code !== 0) throw new Error(`npm install failed: ${installed.stderr}`);

  const seeded = await argus(["seed", "--demo"], { dataDir });
  if (seeded.code !== 0) throw new Error(`seed failed: ${seeded.stderr}`);
  server = await startServer(dataDir);
}, 600_000);
afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

tools.describe("@argus/client from a separate project", () => {
  test("the tarball holds the built client only, and installs nothing of the server", () => {
    const files = readdirSync(join(project, "node_modules/@argus/client"), { recursive: true }).map(String).sort();
    expect(files).toEqual(["README.md", "dist", "dist/index.d.ts", "dist/index.js", "package.json"]);
    const installed = readdirSync(join(project, "node_modules")).flatMap((d) =>
      d.startsWith("@") ? readdirSync(join(project, "node_modules", d)).map((s) => `${d}/${s}`) : [d],
    );
    for (const serverDep of ["zod", "drizzle-orm", "hono", "@hono/zod-openapi", "@types/bun", "bun-types"]) {
      expect(installed).not.toContain(serverDep);
    }
    const dts = readFileSync(join(project, "node_modules/@argus/client/dist/index.d.ts"), "utf8");
    const imports = new Set([...dts.matchAll(/from ['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g)].map((m) => m[1] ?? m[2]));
    expect([...imports].sort()).toEqual(["@trpc/client", "@trpc/server"]);
  });

  for (const resolution of ["nodenext", "bundler"]) {
    test(`tsc --strict (moduleResolution ${resolution}) accepts the program and rejects each wrong call`, async () => {
      const r = await tsc(`tsconfig.${resolution}.json`);
      expect(r.code).toBe(2); // errors found: the wrong calls, and only those
      expect(errors(r.stdout)).toEqual(expectedWrong());
    }, 120_000);
  }

  const program = {
    node: async () => {
      await tsc("tsconfig.nodenext.json");
      return ["node", "out/app.js"];
    },
    bun: async () => ["bun", "src/app.ts"],
  };
  for (const [runtime, command] of Object.entries(program)) {
    test(`under ${runtime}: register, create a key, read articles with it, hit 429 and retry`, async () => {
      const r = await run([...(await command()), server.url, `${runtime}@example.com`], 60_000);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ email: `${runtime}@example.com`, keyPrefix: "argus_", datesRevived: true });
      expect(out.titles).toHaveLength(3);
      expect(out.quota).toEqual({ limit: 10, used: 0, remaining: 10, resetRevived: true }); // keys.get, typed

      // The default limit is 100 a minute: articles.latest and at least 99 auth.me spend the bucket (more if it
      // refills while the loop runs, on the real clock), then a refusal; one token is back within a second.
      expect(out.limited).toMatchObject({ code: "TOO_MANY_REQUESTS", status: 429, retryAfter: 1 });
      expect(out.limited.calls).toBeGreaterThanOrEqual(100);
      expect(out.limited.calls).toBeLessThan(1_000);
    }, 90_000);
  }
});
