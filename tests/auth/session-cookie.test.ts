import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The console's cookie session through the real REST and tRPC doors (app.request, real SQLite, manual clock).
let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const ORIGIN = "http://localhost"; // app.request's requests are addressed to http://localhost
const password = "correct horse battery";
const json = async (res: Response) => (await res.json()) as any;
const cookieOf = (res: Response) => res.headers.get("set-cookie")?.match(/argus_session=([^;]*)/)?.[1] ?? null;

async function sessionFor(email = "ada@example.com") {
  const res = await h.request("/api/auth/session/register", { method: "POST", json: { email, password }, headers: { origin: ORIGIN } });
  expect(res.status).toBe(201);
  return { res, cookie: `argus_session=${cookieOf(res)}` };
}
const withCookie = (cookie: string, headers: Record<string, string> = {}) => ({ cookie, ...headers });
const me = (cookie: string, headers: Record<string, string> = {}) => h.request("/trpc/auth.me", { headers: withCookie(cookie, headers) });
/** The caller's keys as GET /api/keys lists them (a same-origin read by the cookie). */
const keyNames = async (cookie: string) =>
  ((await json(await h.request("/api/keys", { headers: withCookie(cookie) }))).data as { name: string }[]).map((k) => k.name);
const createKey = (cookie: string, headers: Record<string, string>) =>
  h.request("/api/keys", { method: "POST", json: { name: "from the console" }, headers: withCookie(cookie, headers) });

describe("POST /api/auth/session", () => {
  test("sets an HttpOnly SameSite=Strict cookie holding the session and keeps the token out of the body", async () => {
    await h.core.users.create({ email: "ada@example.com", password });
    const res = await h.request("/api/auth/session", { method: "POST", json: { email: "ada@example.com", password }, headers: { origin: ORIGIN } });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/");
    expect(setCookie).toContain("Expires=Sat, 05 Dec 2026 12:00:00 GMT");
    expect(setCookie).not.toContain("Secure");
    const body = await json(res);
    expect(body.data).toEqual({ expiresAt: "2026-12-05T12:00:00.000Z", user: expect.objectContaining({ email: "ada@example.com" }) });
    expect(JSON.stringify(body)).not.toContain(cookieOf(res)!);
  });

  test("wrong password: 401 with the API's sentence and no cookie", async () => {
    await h.core.users.create({ email: "ada@example.com", password });
    const res = await h.request("/api/auth/session", { method: "POST", json: { email: "ada@example.com", password: "nope nope" }, headers: { origin: ORIGIN } });
    expect(res.status).toBe(401);
    expect((await json(res)).error).toBe("Invalid email or password");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  test("marks the cookie Secure when a trusted proxy says the request came over TLS", async () => {
    await h.close();
    h = await createHarness({ trustProxy: true });
    const res = await h.request("/api/auth/session/register", {
      method: "POST", json: { email: "ada@example.com", password }, headers: { origin: "https://argus.example", "x-forwarded-proto": "https", "x-forwarded-host": "argus.example" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("set-cookie")).toContain("Secure");
  });

  test("an untrusted X-Forwarded-Proto does not make the cookie Secure", async () => {
    const res = await h.request("/api/auth/session/register", {
      method: "POST", json: { email: "ada@example.com", password }, headers: { origin: ORIGIN, "x-forwarded-proto": "https" },
    });
    expect(res.headers.get("set-cookie")).not.toContain("Secure");
  });
});

describe("the session cookie as a credential", () => {
  test("authenticates same-origin tRPC queries and REST mutations that carry a matching Origin", async () => {
    const { cookie } = await sessionFor();
    const res = await me(cookie);
    expect(res.status).toBe(200);
    expect((await json(res)).result.data.json.email).toBe("ada@example.com");
    const created = await createKey(cookie, { origin: ORIGIN });
    expect(created.status).toBe(201);
    expect(await keyNames(cookie)).toEqual(["from the console"]);
  });

  test("a cross-origin mutation with the cookie is refused 403 before anything runs", async () => {
    const { cookie } = await sessionFor();
    const res = await createKey(cookie, { origin: "http://evil.example" });
    expect(res.status).toBe(403);
    expect(await json(res)).toEqual({ success: false, error: "Cross-origin request refused", code: "FORBIDDEN" });
    const trpc = await h.request("/trpc/keys.create", {
      method: "POST", json: { json: { name: "x" } }, headers: withCookie(cookie, { origin: "http://evil.example" }),
    });
    expect(trpc.status).toBe(403);
    expect(await keyNames(cookie)).toEqual([]);
  });

  test("a cross-origin form post is refused 403, not parsed", async () => {
    const { cookie } = await sessionFor();
    const res = await h.request("/api/keys", {
      method: "POST", body: "name=evil", headers: withCookie(cookie, { origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" }),
    });
    expect(res.status).toBe(403);
    const login = await h.request("/api/auth/session", {
      method: "POST", body: "email=a@b.c&password=x", headers: { origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" },
    });
    expect(login.status).toBe(403);
  });

  test("a session route without an Origin is refused 403: no cookie set, no account made", async () => {
    await h.core.users.create({ email: "ada@example.com", password });
    const calls: [string, string, unknown][] = [
      ["POST", "/api/auth/session", { email: "ada@example.com", password }],
      ["POST", "/api/auth/session/register", { email: "bob@example.com", password }],
      ["DELETE", "/api/auth/session", undefined],
    ];
    for (const [method, path, body] of calls) {
      const res = await h.request(path, { method, ...(body === undefined ? {} : { json: body }) });
      expect(res.status).toBe(403);
      expect(await json(res)).toEqual({ success: false, error: "Cross-origin request refused", code: "FORBIDDEN" });
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const bob = await h.request("/api/auth/login", { method: "POST", json: { email: "bob@example.com", password } });
    expect(bob.status).toBe(401);
  });

  test("a mutation with the cookie but no Origin is refused", async () => {
    const { cookie } = await sessionFor();
    expect((await createKey(cookie, {})).status).toBe(403);
  });

  test("is ignored on a cross-site read (Sec-Fetch-Site or a foreign Origin)", async () => {
    const { cookie } = await sessionFor();
    expect((await me(cookie, { "sec-fetch-site": "cross-site" })).status).toBe(401);
    expect((await me(cookie, { origin: "http://evil.example" })).status).toBe(401);
    expect((await h.request("/api/auth/me", { headers: withCookie(cookie, { "sec-fetch-site": "same-site" }) })).status).toBe(401);
    expect((await h.request("/api/auth/me", { headers: withCookie(cookie, { "sec-fetch-site": "same-origin" }) })).status).toBe(200);
  });

  test("expires with the JWT after 7 days", async () => {
    const { cookie } = await sessionFor();
    h.clock.advance(7 * 24 * 3600 * 1000 + 1000);
    expect((await me(cookie)).status).toBe(401);
  });

  test("bearer and API-key callers are unchanged, even from another origin", async () => {
    const { token } = await h.signUp();
    const res = await h.request("/api/keys", { method: "POST", token, json: { name: "k" }, headers: { origin: "http://elsewhere.example" } });
    expect(res.status).toBe(201);
  });
});

describe("ending cookie sessions", () => {
  test("DELETE /api/auth/session clears the cookie", async () => {
    const { cookie } = await sessionFor();
    const res = await h.request("/api/auth/session", { method: "DELETE", headers: withCookie(cookie, { origin: ORIGIN }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/argus_session=;.*Max-Age=0/);
  });

  test("log out everywhere ends the cookie session and clears the cookie", async () => {
    const { cookie } = await sessionFor();
    const res = await h.request("/api/auth/logout-all", { method: "POST", headers: withCookie(cookie, { origin: ORIGIN }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await me(cookie)).status).toBe(401);
  });

  test("a password change through the cookie swaps in a fresh cookie; the old one stops working", async () => {
    const { cookie } = await sessionFor();
    h.clock.advance(1000); // a new token version needs a later iat to differ
    const res = await h.request("/api/auth/password", {
      method: "PUT", json: { currentPassword: password, newPassword: "a new long password" }, headers: withCookie(cookie, { origin: ORIGIN }),
    });
    expect(res.status).toBe(200);
    expect((await json(res)).data.token).toBe("");
    const fresh = `argus_session=${cookieOf(res)}`;
    expect((await me(cookie)).status).toBe(401);
    expect((await me(fresh)).status).toBe(200);
  });
});

describe("GET /api/auth/status", () => {
  test("says setup is required and how, until an admin exists", async () => {
    const before = await json(await h.request("/api/auth/status"));
    expect(before.data).toEqual({
      setupRequired: true, registrationOpen: true,
      setupCommand: expect.stringMatching(/^ARGUS_DATA_DIR=\S+ bun run argus users create --email you@example\.com --admin$/),
    });
    await h.core.users.create({ email: "root@example.com", password, role: "admin" });
    const after = await json(await h.request("/api/auth/status"));
    expect(after.data).toEqual({ setupRequired: false, registrationOpen: true });
  });
});
