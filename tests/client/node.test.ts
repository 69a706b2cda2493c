import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/harness.ts";
import { startArgus } from "./server.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const NODE = "/usr/bin/node";
const outdir = tempDir();
let argus: Awaited<ReturnType<typeof startArgus>>;

// What a Node user's program does with the published client: log in, read `me`, branch on a typed error.
const script = `
import { createArgusClient, ArgusError } from "./index.js";
const [url, email, password] = process.argv.slice(2);
const anon = createArgusClient({ url });
const session = await anon.auth.login.mutate({ email, password });
const me = await createArgusClient({ url, token: session.token }).auth.me.query();
let failure;
try { await anon.auth.login.mutate({ email, password: "wrong password" }); } catch (e) {
  failure = { isArgusError: e instanceof ArgusError, code: e.code, status: e.status, message: e.message };
}
console.log(JSON.stringify({ node: process.version, me, createdAtIsDate: me.createdAt instanceof Date, failure }));
`;

beforeAll(async () => {
  argus = await startArgus();
  await argus.core.users.create({ email: "node@example.com", password: "correct horse battery", name: "Node" });
  const build = await Bun.build({ entrypoints: [join(import.meta.dir, "../../client/index.ts")], target: "node", format: "esm", outdir });
  if (!build.success) throw new AggregateError(build.logs, "client bundle failed");
  writeFileSync(join(outdir, "script.mjs"), script);
});
afterAll(async () => {
  await argus.stop();
  rmSync(outdir, { recursive: true, force: true });
});

describe("the client on Node 20", () => {
  test("the bundle carries no Bun or server code", () => {
    const bundle = readFileSync(join(outdir, "index.js"), "utf8");
    for (const marker of ["bun:", "Bun.", "drizzle", "hono"]) expect(bundle).not.toContain(marker);
  });

  test("auth.login and auth.me work, with revived dates and typed errors", async () => {
    const proc = Bun.spawn([NODE, "script.mjs", argus.url, "node@example.com", "correct horse battery"], {
      cwd: outdir,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      timeout: 30_000, // a hang guard: killed, the run fails on its exit code below
      killSignal: "SIGKILL",
    });
    let out: string, err: string, code: number;
    try {
      [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    }
    expect({ code, err, signal: proc.signalCode }).toEqual({ code: 0, err: "", signal: null });
    const result = JSON.parse(out);
    expect(result.node).toStartWith("v20.");
    expect(result.me).toMatchObject({ email: "node@example.com", name: "Node", role: "user" });
    expect(result.createdAtIsDate).toBe(true);
    expect(result.failure).toEqual({ isArgusError: true, code: "UNAUTHORIZED", status: 401, message: "Invalid email or password" });
  });
});
