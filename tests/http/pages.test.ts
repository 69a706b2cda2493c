import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const scalarDir = join(import.meta.dir, "../../node_modules/@scalar/api-reference");

/** A Content-Security-Policy as directive -> sources. */
function policy(res: Response): Record<string, string[]> {
  const header = res.headers.get("content-security-policy");
  expect(header).not.toBeNull();
  return Object.fromEntries(header!.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name!, sources]));
}
/** Sources that reach past this origin: a scheme with a host, a bare host, or a wildcard. */
const remote = (p: Record<string, string[]>) => Object.values(p).flat().filter((s) => /^(https?:|wss?:|\*|[a-z0-9.-]+\.[a-z]{2,})/i.test(s));

describe("GET /", () => {
  test("is a landing page linking the reference, the OpenAPI document and health", async () => {
    const res = await h.request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual(["/api/docs", "/api/openapi.json", "/api/health"]);
    expect(html).toContain(`Version ${pkg.version}`);
  });

  test("its policy allows no script at all and only its own inline style, by hash", async () => {
    const res = await h.request("/");
    const p = policy(res);
    expect(p["default-src"]).toEqual(["'none'"]);
    expect(p["script-src"]).toBeUndefined();
    expect(p["style-src"]).toHaveLength(1);
    const style = (await res.text()).match(/<style>([\s\S]*?)<\/style>/)![1]!;
    const digest = new Bun.CryptoHasher("sha256").update(style).digest("base64");
    expect(p["style-src"]![0]).toBe(`'sha256-${digest}'`);
    expect(remote(p)).toEqual([]);
  });
});

describe("GET /api/docs", () => {
  test("loads the reference UI from this server only: its bundle and its start script", async () => {
    const res = await h.request("/api/docs");
    const html = await res.text();
    expect([...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1])).toEqual(["/api/docs/scalar.js", "/api/docs/init.js"]);
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
    const p = policy(res);
    expect(p["script-src"]).toEqual(["'self'"]);
    expect(p["connect-src"]).toEqual(["'self'"]);
    expect(p["frame-ancestors"]).toEqual(["'none'"]);
    expect(remote(p)).toEqual([]);
  });

  test("/api/docs/scalar.js is the pinned @scalar/api-reference bundle from node_modules", async () => {
    expect(pkg.dependencies["@scalar/api-reference"]).toMatch(/^\d+\.\d+\.\d+$/); // an exact version, no range
    const installed = JSON.parse(readFileSync(join(scalarDir, "package.json"), "utf8")).version;
    expect(installed).toBe(pkg.dependencies["@scalar/api-reference"]);
    const res = await h.request("/api/docs/scalar.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("javascript");
    const body = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.compare(body, readFileSync(join(scalarDir, "dist/browser/standalone.js")))).toBe(0);
  });

  test("/api/docs/init.js starts the reference on this server's document, with no remote fonts", async () => {
    const js = await (await h.request("/api/docs/init.js")).text();
    expect(js).toContain('"url":"/api/openapi.json"');
    expect(js).toContain('"withDefaultFonts":false');
  });
});

describe("Content-Security-Policy", () => {
  test.each([
    ["GET", "/api/health", 200],
    ["GET", "/api/openapi.json", 200],
    ["GET", "/api/auth/me", 401],
    ["GET", "/trpc/auth.me", 401],
    ["GET", "/no/such/route", 404],
    ["POST", "/", 405],
  ])("%s %s (%d) carries the strict default policy", async (method, path, status) => {
    const res = await h.request(path, { method });
    expect(res.status).toBe(status);
    expect(policy(res)).toEqual({
      "default-src": ["'none'"],
      "base-uri": ["'none'"],
      "form-action": ["'none'"],
      "frame-ancestors": ["'none'"],
    });
  });
});
