import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { strictPolicy } from "../../server/http/csp.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// Every answer, whatever produced it, carries the same security headers, a CSP and a request id; key answers
// also carry the rate-limit headers. Listed in full so that a header dropped or added anywhere fails here.
const SECURITY: Record<string, string> = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=15552000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "SAMEORIGIN",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
};
const RATE = ["ratelimit", "ratelimit-policy", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"];

let h: Harness;
let srv: ReturnType<typeof listen>;
let token: string;
let key: string;
let limitedKey: string;
beforeAll(async () => {
  h = await createHarness();
  srv = listen(h);
  const u = await h.signUp();
  token = u.token;
  key = (await h.createKey(token)).key;
  const limited = await h.createKey(token, { name: "limited" });
  await h.core.keys.adminUpdate(limited.id, { rateLimit: 1 });
  limitedKey = limited.key;
});
afterAll(async () => {
  srv.stop();
  await h.close();
});

const get = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
  fetch(`${srv.url}${path}`, { ...init, headers });

/** The answer's headers, minus the ones the socket adds (date, content-length) and the request id. */
function headersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!["date", "content-length", "x-request-id"].includes(k)) out[k] = v;
  });
  return out;
}

function expectFramed(res: Response, own: Record<string, string | RegExp>, rate = false) {
  expect(res.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
  const expected: Record<string, unknown> = { ...SECURITY, "content-security-policy": strictPolicy, ...own };
  for (const r of RATE) if (rate) expected[r] = expect.stringMatching(/\S/);
  for (const [k, v] of Object.entries(expected)) if (v instanceof RegExp) expected[k] = expect.stringMatching(v);
  expect(headersOf(res)).toEqual(expected as Record<string, string>);
}

const JSON_TYPE = { "content-type": "application/json" };
const TRPC = { ...JSON_TYPE, vary: "trpc-accept, accept" };

describe("every answer kind carries the same headers", () => {
  test("200 without auth (health)", async () => {
    expectFramed(await get("/api/health"), JSON_TYPE);
  });

  test("200 with a key carries the rate-limit headers", async () => {
    const res = await get("/api/auth/me", { "x-api-key": key });
    expect(res.status).toBe(200);
    expectFramed(res, JSON_TYPE, true);
  });

  test("200 with a JWT", async () => {
    const res = await get("/api/auth/me", { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expectFramed(res, JSON_TYPE);
  });

  test("401 for an unknown key, 401 without credentials", async () => {
    const bad = await get("/api/auth/me", { "x-api-key": `argus_${"x".repeat(43)}` });
    expect(bad.status).toBe(401);
    expectFramed(bad, JSON_TYPE);
    const none = await get("/api/v1/articles/latest");
    expect(none.status).toBe(401);
    expectFramed(none, JSON_TYPE);
  });

  test("400 for bad input with a key still carries the rate-limit headers", async () => {
    const res = await get("/api/v1/articles?limit=abc", { "x-api-key": key });
    expect(res.status).toBe(400);
    expectFramed(res, JSON_TYPE, true);
  });

  test("429 with a key: rate-limit headers and Retry-After", async () => {
    expect((await get("/api/auth/me", { "x-api-key": limitedKey })).status).toBe(200);
    const res = await get("/api/auth/me", { "x-api-key": limitedKey });
    expect(res.status).toBe(429);
    expectFramed(res, { ...JSON_TYPE, "retry-after": /^\d+$/ }, true);
  });

  test("404 and 405 (with Allow)", async () => {
    const missing = await get("/api/nothing-here");
    expect(missing.status).toBe(404);
    expectFramed(missing, JSON_TYPE);
    const wrong = await get("/api/auth/login");
    expect(wrong.status).toBe(405);
    expectFramed(wrong, { ...JSON_TYPE, allow: "POST" });
  });

  test("no CORS: a preflight from another origin is a 405 with Allow, and no answer names Access-Control-*", async () => {
    const cross = { origin: "https://app.example", "access-control-request-method": "GET", "access-control-request-headers": "x-api-key" };
    const preflight = await get("/api/v1/articles/latest", cross, { method: "OPTIONS" });
    expect(preflight.status).toBe(405);
    expectFramed(preflight, { ...JSON_TYPE, allow: /\bGET\b/ });
    const read = await get("/api/v1/articles/latest", { origin: "https://app.example", "x-api-key": key });
    expect(read.status).toBe(200);
    expect([...read.headers.keys()].filter((k) => k.startsWith("access-control-"))).toEqual([]);
  });

  test("415 and 413 from the body checks", async () => {
    const type = await get("/api/auth/login", { "content-type": "text/plain" }, { method: "POST", body: "x" });
    expect(type.status).toBe(415);
    expectFramed(type, JSON_TYPE);
    const big = await get("/api/auth/login", { "content-type": "application/json" }, { method: "POST", body: "x".repeat(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expectFramed(big, JSON_TYPE);
  });

  test("tRPC: a call, a batch, and a failing call", async () => {
    const one = await get("/trpc/auth.me", { "x-api-key": key });
    expect(one.status).toBe(200);
    expectFramed(one, TRPC, true);
    const batch = await get("/trpc/auth.me,articles.latest?batch=1&input=%7B%7D", { "x-api-key": key });
    expect(batch.status).toBe(200);
    expectFramed(batch, TRPC, true);
    expect(((await batch.json()) as unknown[]).length).toBe(2);
    const denied = await get("/trpc/auth.me");
    expect(denied.status).toBe(401);
    expectFramed(denied, TRPC);
  });

  test("a page keeps its own CSP; the other headers are the same", async () => {
    const res = await get("/api/docs");
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).not.toBe(strictPolicy);
    expectFramed(res, { "content-type": /^text\/html/, "content-security-policy": csp });
  });

  test("request ids are unique, and a caller's usable one is echoed", async () => {
    const ids = await Promise.all(Array.from({ length: 50 }, () => get("/api/health").then((r) => r.headers.get("x-request-id")!)));
    expect(new Set(ids).size).toBe(50);
    expect((await get("/api/health", { "x-request-id": "trace-abc=1" })).headers.get("x-request-id")).toBe("trace-abc=1");
    for (const bad of ["has space", "x".repeat(256), `argus_${"a".repeat(43)}`]) {
      const id = (await get("/api/health", { "x-request-id": bad })).headers.get("x-request-id")!;
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[\w-]{8,}$/);
    }
  });
});
