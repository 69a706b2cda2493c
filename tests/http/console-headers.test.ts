import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { SECURITY_HEADERS } from "../../server/http/frame.ts";
import { startServer, type Server } from "../cli/run.ts";
import { tempDir } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The console is what a real `argus serve` answers at "/" (the in-process app has the landing page there), so this
// suite asks a real server: its page and bundled files carry what every answer carries.
const root = tempDir();
let server: Server;
beforeAll(async () => {
  server = await startServer(join(root, "data"));
});
afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

function expectFramed(res: Response) {
  for (const [name, value] of SECURITY_HEADERS) expect([name, res.headers.get(name)]).toEqual([name, value]);
  expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f]{16}-[0-9a-z]+$/);
  const csp = res.headers.get("content-security-policy")!;
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'self'");
}

describe("the console's answers from a real server", () => {
  test("GET / is the console page with the security headers, a CSP that forbids framing, and a request id", async () => {
    const res = await fetch(server.url + "/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("Argus Console");
    expectFramed(res);
  });

  test("its bundled files too; they revalidate (304) and answer HEAD with their length", async () => {
    const page = await (await fetch(server.url + "/")).text();
    const files = [...page.matchAll(/(?:src|href)="(\/[\w.-]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const res = await fetch(server.url + file);
      expect(res.status).toBe(200);
      const body = await res.arrayBuffer();
      expectFramed(res);
      const again = await fetch(server.url + file, { headers: { "if-none-match": res.headers.get("etag")! } });
      expect(again.status).toBe(304);
      expectFramed(again);
      const head = await fetch(server.url + file, { method: "HEAD" });
      expect(head.headers.get("content-length")).toBe(String(body.byteLength));
    }
  });

  test("other paths answer as before: the envelope's 404, and 405 with Allow for POST /", async () => {
    for (const path of ["/nothing.js", "/nothing", "/api/nothing"]) {
      const res = await fetch(server.url + path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ success: false, error: `No route for GET ${path}`, code: "NOT_FOUND" });
    }
    const post = await fetch(server.url + "/", { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetch(server.url + "/api/health")).status).toBe(200);
  });
});
