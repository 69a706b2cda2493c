import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { loadConfig } from "../../server/config.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";
import { codeOf } from "../support/trpc.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const open: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});
async function harness(overrides: Parameters<typeof createHarness>[0] = {}) {
  const h = await createHarness(overrides);
  open.push(() => h.close());
  return h;
}

/** The access-log lines written so far, parsed (a line that is not JSON fails the test here). */
const accessLines = (h: Harness) => h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");

/** Sends one request and returns its response with the one access-log line it wrote. */
async function logged(h: Harness, path: string, init: Parameters<Harness["request"]>[1] = {}) {
  const before = accessLines(h).length;
  const res = await h.request(path, init);
  const lines = accessLines(h).slice(before);
  expect(lines).toHaveLength(1);
  const line = lines[0];
  expect(line.requestId).toBe(res.headers.get("x-request-id")!);
  return { res, line };
}

describe("access log", () => {
  test("each request writes one JSON line at info with the response's request id, route, status and time", async () => {
    const h = await harness();
    const { line } = await logged(h, "/api/health", { headers: { "x-request-id": "trace-abc-123" } });
    expect(line).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: "info", msg: "request", requestId: "trace-abc-123",
      method: "GET", route: "/api/health", status: 200, ms: expect.any(Number), ip: "unknown",
    });
    expect(line.ms).toBeGreaterThanOrEqual(0);
  });

  test("the route is the registered pattern, never the raw path; unknown paths are (unmatched)", async () => {
    const h = await harness();
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    const del = await logged(h, `/api/keys/${key.id}`, { method: "DELETE", token: user.token });
    expect(del.line).toMatchObject({ method: "DELETE", route: "/api/keys/:id", status: 200, userId: user.user.id });
    expect(JSON.stringify(del.line)).not.toContain(key.id);
    const unknown = await logged(h, `/api/nothing/${key.id}`);
    expect(unknown.line).toMatchObject({ route: "(unmatched)", status: 404, code: "NOT_FOUND" });
    const wrongMethod = await logged(h, "/api/health", { method: "DELETE" });
    expect(wrongMethod.line).toMatchObject({ route: "(unmatched)", status: 405, code: "METHOD_NOT_ALLOWED" });
  });

  test("a key's request names the user, the key id and its prefix; a JWT's names the user", async () => {
    const h = await harness();
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    const viaKey = await logged(h, "/api/auth/me", { apiKey: key.key });
    expect(viaKey.line).toMatchObject({ status: 200, userId: user.user.id, keyId: key.id, keyPrefix: key.key.slice(0, 8) });
    const viaJwt = await logged(h, "/api/auth/me", { token: user.token });
    expect(viaJwt.line).toMatchObject({ status: 200, userId: user.user.id });
    expect(viaJwt.line.keyId).toBeUndefined();
  });

  test("lines of two keys of one user and of their JWT each name their own caller, on repeated requests", async () => {
    const h = await harness();
    const user = await h.signUp();
    const [a, b] = [await h.createKey(user.token), await h.createKey(user.token)];
    // /api/auth/me is answered by the fast path, /api/v1/articles by the app: the same line either way.
    for (const path of ["/api/auth/me", "/api/v1/articles?limit=1", "/api/auth/me"]) {
      for (const key of [a, b, a]) {
        const { line } = await logged(h, path, { apiKey: key.key });
        expect(line).toMatchObject({ status: 200, userId: user.user.id, keyId: key.id, keyPrefix: key.key.slice(0, 8) });
      }
      const { line } = await logged(h, path, { token: user.token });
      expect(line.userId).toBe(user.user.id);
      expect(line.keyId).toBeUndefined();
      expect(line.keyPrefix).toBeUndefined();
    }
  });

  test("each line carries its own request's address: the socket's, or behind a trusted proxy its last hop", async () => {
    const h = await harness({ trustProxy: true });
    const srv = listen(h);
    open.push(() => srv.stop());
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    const sent = ["203.0.113.7", "10.0.0.1, 198.51.100.2", "203.0.113.7", "not-an-ip", undefined, "::ffff:203.0.113.7", "not-an-ip", "2001:DB8::1"];
    const before = accessLines(h).length;
    for (const xff of sent) {
      const headers: Record<string, string> = { "x-api-key": key.key };
      if (xff !== undefined) headers["x-forwarded-for"] = xff;
      expect((await fetch(`${srv.url}/api/auth/me`, { headers })).status).toBe(200);
    }
    expect(accessLines(h).slice(before).map((l) => l.ip))
      .toEqual(["203.0.113.7", "198.51.100.2", "203.0.113.7", "127.0.0.1", "127.0.0.1", "203.0.113.7", "127.0.0.1", "2001:db8::1"]);
  });

  test("401, 403 and 429 carry the error code and the reason", async () => {
    const h = await harness({ rateLimitPerMinute: 1 });
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    const revoked = await h.createKey(user.token);
    await h.request(`/api/keys/${revoked.id}`, { method: "DELETE", token: user.token });

    expect((await logged(h, "/api/auth/me", { apiKey: revoked.key })).line)
      .toMatchObject({ status: 401, code: "UNAUTHORIZED", reason: "API key has been revoked" });
    expect((await logged(h, "/api/admin/users", { token: user.token })).line)
      .toMatchObject({ status: 403, code: "FORBIDDEN", reason: "Admin access required", userId: user.user.id });
    await h.request("/api/auth/me", { apiKey: key.key });
    expect((await logged(h, "/api/auth/me", { apiKey: key.key })).line).toMatchObject({
      status: 429, code: "TOO_MANY_REQUESTS", reason: "Rate limit exceeded", keyId: key.id,
    });
    const bad = await logged(h, "/api/auth/register", { method: "POST", json: { email: "nope" } });
    expect(bad.line).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    expect(bad.line.reason).toBeUndefined();
  });

  test("ARGUS_ACCESS_LOG=false writes no request lines", async () => {
    expect(loadConfig({ ARGUS_ACCESS_LOG: "false" }).accessLog).toBe(false);
    expect(loadConfig({}).accessLog).toBe(true);
    const h = await harness({ accessLog: false });
    await h.request("/api/health");
    await h.request("/nowhere");
    expect(accessLines(h)).toEqual([]);
  });
});

describe("access log over tRPC", () => {
  test("calls log /trpc/<procedures> with the principal, the request id and a failure's reason", async () => {
    const h = await harness();
    const srv = listen(h);
    open.push(() => srv.stop());
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    const ids: string[] = [];
    const client = createArgusClient({ url: srv.url, apiKey: key.key });
    const spy = createArgusClient({
      url: srv.url,
      apiKey: key.key,
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        const res = await fetch(input, init);
        ids.push(res.headers.get("x-request-id")!);
        return res;
      }) as typeof fetch,
    });

    const before = accessLines(h).length;
    await spy.auth.me.query();
    await Promise.all([spy.auth.me.query(), spy.articles.latest.query({ limit: 1 })]);
    await h.request(`/api/keys/${key.id}`, { method: "DELETE", token: user.token });
    expect(await codeOf(client.auth.me.query())).toBe("UNAUTHORIZED");
    const lines = accessLines(h).slice(before);
    expect(lines.map((l) => [l.route, l.status])).toEqual([
      ["/trpc/auth.me", 200],
      ["/trpc/auth.me,articles.latest", 200],
      ["/api/keys/:id", 200],
      ["/trpc/auth.me", 401],
    ]);
    expect(lines.slice(0, 2).map((l) => l.requestId)).toEqual(ids);
    expect(lines[0]).toMatchObject({ userId: user.user.id, keyId: key.id, keyPrefix: key.key.slice(0, 8), ip: "127.0.0.1" });
    expect(lines[3]).toMatchObject({ code: "UNAUTHORIZED", reason: "API key has been revoked" });
  });

  test("an unknown procedure is (unmatched), never the name the caller sent", async () => {
    const h = await harness();
    const { line } = await logged(h, "/trpc/auth.me,argus_0123456789abcdef0123456789abcdef");
    expect(line).toMatchObject({ route: "(unmatched)", status: 404 });
    expect(JSON.stringify(line)).not.toContain("argus_0123");
  });
});
