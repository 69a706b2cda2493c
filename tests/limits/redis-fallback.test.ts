import { afterEach, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";
import { freePort } from "../support/process.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// No redis-server needed: the point is a Redis URL where nothing listens.

let h: Harness;
afterEach(() => h?.close());

test("with Redis unreachable, the invalid-key throttle still throttles (in this process) and health says degraded", async () => {
  h = await createHarness({ redisUrl: `redis://127.0.0.1:${freePort()}` });
  const health = await (await h.request("/api/health")).json();
  expect(health).toMatchObject({ data: { rateLimiter: "degraded" } });
  const bad = `argus_${"0".repeat(32)}`;
  const statuses: number[] = [];
  for (let i = 0; i < 50; i++) statuses.push((await h.request("/api/auth/me", { apiKey: bad })).status);
  expect(statuses).toEqual(Array(50).fill(401));
  const limited = await h.request("/api/auth/me", { apiKey: bad });
  expect(limited.status).toBe(429);
  expect(await limited.json()).toMatchObject({ code: "TOO_MANY_REQUESTS", error: "Too many invalid API keys, try again later" });
});

test("with Redis unreachable, a key and its owner's ceiling are limited in this process, never waved through", async () => {
  h = await createHarness({ redisUrl: `redis://127.0.0.1:${freePort()}`, rateLimitPerMinute: 4, userRateLimitPerMinute: 6 });
  const u = await h.signUp();
  const [a, b] = [await h.createKey(u.token, { name: "a" }), await h.createKey(u.token, { name: "b" })];
  const statuses: number[] = [];
  for (const key of [a, a, a, a, a, b, b, b]) statuses.push((await h.request("/api/auth/me", { apiKey: key.key })).status);
  expect(statuses).toEqual([200, 200, 200, 200, 429, 200, 200, 429]);
});
