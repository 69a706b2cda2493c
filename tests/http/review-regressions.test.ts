import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { createArgusClient } from "../../client/index.ts";
import { encodeCursor } from "../../server/core/cursor.ts";
import { generateKey } from "../../server/core/keyformat.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const login = (email: string, password: string) => h.request("/api/auth/login", { method: "POST", json: { email, password } });

describe("login throttles hold under concurrency", () => {
  test("40 concurrent wrong passwords for one email: exactly 10 are checked, 30 get 429, then the right one too", async () => {
    const u = await h.signUp();
    const statuses = (await Promise.all(Array.from({ length: 40 }, (_, i) => login(u.email, `wrong-${i}`)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
    expect((await login(u.email, u.password)).status).toBe(429);
  });

  test("successful logins do not count against the limit", async () => {
    const u = await h.signUp();
    for (let i = 0; i < 15; i++) expect((await login(u.email, u.password)).status).toBe(200);
  });

  test("one tRPC batch of 25 guesses gets 10 checked and the rest refused with Retry-After", async () => {
    const u = await h.signUp();
    const srv = listen(h);
    const client = createArgusClient({ url: srv.url });
    const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => client.auth.login.mutate({ email: u.email, password: `nope-${i}` })));
    const codes = results.map((r) => (r.status === "rejected" ? r.reason.data.code : "OK"));
    expect(codes.filter((c) => c === "UNAUTHORIZED")).toHaveLength(10);
    expect(codes.filter((c) => c === "TOO_MANY_REQUESTS")).toHaveLength(15);
    const res = await fetch(`${srv.url}/trpc/auth.login`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { email: u.email, password: "x" } }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    srv.stop();
  });

  test("a tRPC batch over 50 calls is refused whole", async () => {
    const srv = listen(h);
    const paths = Array.from({ length: 51 }, () => "auth.me").join(",");
    const res = await fetch(`${srv.url}/trpc/${paths}?batch=1&input={}`);
    expect(res.status).toBe(400);
    srv.stop();
  });

  test("PUT /api/auth/password: 10 wrong current passwords lock the check, even for the right one", async () => {
    const u = await h.signUp();
    const change = (currentPassword: string) =>
      h.request("/api/auth/password", { method: "PUT", token: u.token, json: { currentPassword, newPassword: "a brand new one" } });
    const statuses = (await Promise.all(Array.from({ length: 12 }, (_, i) => change(`guess-${i}`)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect((await change(u.password)).status).toBe(429);
  });
});

describe("keys are charged before any other answer", () => {
  test("a 405 or 415 answer to a key carries the rate-limit headers", async () => {
    const u = await h.signUp();
    const { key } = await h.createKey(u.token);
    const wrongMethod = await h.request("/api/v1/articles/latest", { method: "PUT", apiKey: key });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("x-ratelimit-remaining")).toBe("99");
    const wrongType = await h.request("/api/v1/articles", { method: "POST", apiKey: key, body: "{}", headers: { "content-type": "text/plain" } });
    expect(wrongType.status).toBe(415);
    expect(await json(wrongType)).toMatchObject({ success: false, code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(wrongType.headers.get("x-ratelimit-remaining")).toBe("98");
  });

  test("over tRPC a key refused for its scope still spends a token, as over REST", async () => {
    const u = await h.signUp();
    const { key } = await h.createKey(u.token);
    const srv = listen(h);
    const res = await fetch(`${srv.url}/trpc/articles.upsert`, {
      method: "POST", headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({ json: { title: "t", url: "https://e.com/a", source: "s", publishedAt: "2026-01-01T00:00:00Z" } }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("x-ratelimit-remaining")).toBe("99");
    srv.stop();
  });
});

describe("input edges", () => {
  test("PUT /api/admin/api-keys/:id with {} is 400 (a patch must set something) and the key is unchanged", async () => {
    const admin = await h.signUp("admin");
    const k = await h.createKey((await h.signUp()).token);
    const res = await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: {} });
    expect(res.status).toBe(400);
    const list = await json(await h.request("/api/admin/api-keys", { token: admin.token }));
    expect(list.data[0]).toMatchObject({ id: k.id, isActive: true, rateLimit: null });
  });

  test("a trailing slash is an unknown route (404), not a 405", async () => {
    const u = await h.signUp();
    expect((await h.request("/api/keys/", { token: u.token })).status).toBe(404);
  });

  test("a cursor holding an out-of-range date is a 400", async () => {
    const u = await h.signUp();
    const res = await h.request(`/api/v1/articles?cursor=${encodeCursor(9007199254740991, "x")}`, { token: u.token });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ success: false, code: "BAD_REQUEST", details: [{ field: "cursor" }] });
  });

  test("expiresAt must be an ISO-8601 timestamp", async () => {
    const u = await h.signUp();
    for (const expiresAt of ["March 7, 2030", 99999999999999, []]) {
      const res = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "x", expiresAt } });
      expect(res.status).toBe(400);
    }
    expect((await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "x", expiresAt: "2030-03-07T00:00:00Z" } })).status).toBe(201);
  });

  test("?limit= with no value means the default", async () => {
    const u = await h.signUp();
    const now = h.clock.now();
    await h.core.articles.upsertMany(Array.from({ length: 25 }, (_, i) => ({
      title: `a${i}`, url: `https://example.com/${i}`, source: "s", tags: [], publishedAt: new Date(now - i * 1000),
    })));
    const res = await h.request("/api/v1/articles?limit=", { token: u.token });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.data).toHaveLength(20);
    expect(body.meta.hasMore).toBe(true);
  });

  test("the database file is readable by its owner only", () => {
    expect(statSync(join(h.dataDir, "argus.db")).mode & 0o777).toBe(0o600);
  });
});

describe("behind a trusted proxy", () => {
  test("the client address is the last X-Forwarded-For hop, so a forged first entry cannot dodge the throttle", async () => {
    const proxied = await createHarness({ trustProxy: true });
    const bad = (i: number) => proxied.request("/api/auth/me", { apiKey: generateKey(), headers: { "x-forwarded-for": `10.0.0.${i}, 203.0.113.7` } });
    for (let i = 0; i < 50; i++) expect((await bad(i)).status).toBe(401);
    expect((await bad(99)).status).toBe(429);
    await proxied.close();
  });
});
