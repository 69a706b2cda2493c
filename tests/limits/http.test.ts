import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../client/index.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
let srv: ReturnType<typeof listen>;
beforeEach(async () => {
  h = await createHarness();
  srv = listen(h);
});
afterEach(async () => {
  srv.stop();
  await h.close();
});

const NOW_S = Date.UTC(2026, 10, 28, 12, 0, 0) / 1000;
const me = (key: string) => fetch(`${srv.url}/api/auth/me`, { headers: { "x-api-key": key } });

describe("per-key rate limits over HTTP", () => {
  test("a burst of 150 concurrent requests lets exactly 100 through; the rest get 429 with headers and body", async () => {
    const u = await h.signUp();
    const { key } = await h.createKey(u.token);
    const responses = await Promise.all(Array.from({ length: 150 }, () => me(key)));
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    expect(ok).toHaveLength(100);
    expect(limited).toHaveLength(50);
    const remaining = ok.map((r) => Number(r.headers.get("x-ratelimit-remaining"))).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const r = limited[0]!;
    expect(r.headers.get("x-ratelimit-limit")).toBe("100");
    expect(r.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(r.headers.get("retry-after")).toBe("1");
    expect(Number(r.headers.get("x-ratelimit-reset"))).toBe(NOW_S + 60);
    expect(r.headers.get("ratelimit-policy")).toBe('"default";q=100;w=60');
    expect(r.headers.get("ratelimit")).toBe('"default";r=0;t=60');
    expect(await r.json()).toEqual({ success: false, error: "Rate limit exceeded", code: "TOO_MANY_REQUESTS", retryAfter: 1 });
  });

  test("the bucket refills continuously: 0.6 s gives one token back", async () => {
    const u = await h.signUp();
    const { id, key } = await h.createKey(u.token);
    await h.core.keys.adminUpdate(id, { rateLimit: 100 });
    await Promise.all(Array.from({ length: 100 }, () => me(key)));
    expect((await me(key)).status).toBe(429);
    h.clock.advance(600);
    const res = await me(key);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    expect((await me(key)).status).toBe(429);
  });

  test("each key has its own bucket, and a per-key limit applies at once", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const a = await h.createKey(u.token, { name: "a" });
    const b = await h.createKey(u.token, { name: "b" });
    await h.request(`/api/admin/api-keys/${a.id}`, { method: "PUT", token: admin.token, json: { rateLimit: 3 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await me(a.key)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const other = await me(b.key);
    expect(other.status).toBe(200);
    expect(other.headers.get("x-ratelimit-remaining")).toBe("99");
  });

  test("headers ride on 4xx responses too, and JWT requests carry none", async () => {
    const u = await h.signUp();
    const { key } = await h.createKey(u.token);
    const notFound = await fetch(`${srv.url}/api/v1/articles/${crypto.randomUUID()}`, { headers: { "x-api-key": key } });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get("x-ratelimit-limit")).toBe("100");
    expect(notFound.headers.get("x-ratelimit-remaining")).toBe("99");
    const jwt = await fetch(`${srv.url}/api/auth/me`, { headers: { authorization: `Bearer ${u.token}` } });
    expect(jwt.headers.get("x-ratelimit-limit")).toBeNull();
  });

  test("the default comes from ARGUS_RATE_LIMIT_PER_MINUTE", async () => {
    const small = await createHarness({ rateLimitPerMinute: 2 });
    const u = await small.signUp();
    const { key } = await small.createKey(u.token);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await small.request("/api/auth/me", { apiKey: key })).status);
    expect(codes).toEqual([200, 200, 429]);
    await small.close();
  });
});

describe("rate limits over tRPC", () => {
  test("each call inside a batch spends one token; past the limit calls fail with retryAfter", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const { id, key } = await h.createKey(u.token);
    await h.request(`/api/admin/api-keys/${id}`, { method: "PUT", token: admin.token, json: { rateLimit: 3 } });
    const client = createArgusClient({ url: srv.url, apiKey: key });
    const results = await Promise.allSettled([client.auth.me.query(), client.auth.me.query(), client.auth.me.query(), client.auth.me.query(), client.auth.me.query()]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected).toHaveLength(2);
    expect(rejected[0]!.reason.data.code).toBe("TOO_MANY_REQUESTS");
    expect(rejected[0]!.reason.data.retryAfter).toBeGreaterThanOrEqual(1);
  });

  test("a tRPC response to a key carries the rate-limit headers", async () => {
    const u = await h.signUp();
    const { key } = await h.createKey(u.token);
    const res = await fetch(`${srv.url}/trpc/auth.me`, { headers: { "x-api-key": key } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("99");
    for (let i = 0; i < 99; i++) await fetch(`${srv.url}/trpc/auth.me`, { headers: { "x-api-key": key } });
    const limited = await fetch(`${srv.url}/trpc/auth.me`, { headers: { "x-api-key": key } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
  });
});
