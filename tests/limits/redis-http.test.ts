import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { startServerProcess, type ServerProcess } from "../support/process.ts";
import { describeRedis, skipRedis, startRedis, type RedisServer } from "../support/redis.ts";
import { tempDir } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let redis: RedisServer;
let a: ServerProcess;
let b: ServerProcess;
let key: string;
let token: string;

beforeAll(async () => {
  if (skipRedis) return;
  redis = await startRedis();
  const env = {
    ARGUS_DATA_DIR: tempDir(), ARGUS_REDIS_URL: redis.url, ARGUS_JWT_SECRET: "k".repeat(40),
    ARGUS_ADMIN_EMAIL: "root@example.com", ARGUS_ADMIN_PASSWORD: "root-password",
    // One token per 6 s: no burst here takes that long, so the count is exact even on a slow box.
    ARGUS_RATE_LIMIT_PER_MINUTE: "10",
  };
  a = await startServerProcess(env);
  b = await startServerProcess(env);
  const login = await fetch(`${a.url}/api/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "root@example.com", password: "root-password" }),
  });
  token = ((await login.json()) as any).data.token;
  const created = await fetch(`${a.url}/api/keys`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: "shared" }),
  });
  key = ((await created.json()) as any).data.key;
}, 30_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
});

const me = (base: string) => fetch(`${base}/api/auth/me`, { headers: { "x-api-key": key } });

describeRedis("rate limits shared through Redis", () => {
  test("two Argus processes on one Redis enforce one limit: 15 concurrent → exactly 10 pass", async () => {
    const responses = await Promise.all(Array.from({ length: 15 }, (_, i) => me(i % 2 ? a.url : b.url)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(10);
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(5);
    expect(limited[0]!.headers.get("x-ratelimit-limit")).toBe("10");
    expect(await limited[0]!.json()).toMatchObject({ error: "Rate limit exceeded", code: "TOO_MANY_REQUESTS" });
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  test("a key revoked through one process fails on the next request in the other", async () => {
    const created = await fetch(`${a.url}/api/keys`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: "to revoke" }),
    });
    const k = ((await created.json()) as any).data;
    expect((await fetch(`${b.url}/api/auth/me`, { headers: { "x-api-key": k.key } })).status).toBe(200);
    await fetch(`${a.url}/api/keys/${k.id}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    expect((await fetch(`${b.url}/api/auth/me`, { headers: { "x-api-key": k.key } })).status).toBe(401);
  });

  test("with Redis gone, a key is limited per process (never unlimited) and health reports the limiter degraded", async () => {
    await redis.stop();
    const statuses = [];
    // A fresh bucket in this process: the key's 10 (ARGUS_RATE_LIMIT_PER_MINUTE), then 429.
    for (let i = 0; i < 12; i++) statuses.push((await me(a.url)).status);
    expect(statuses).toEqual([...Array(10).fill(200), 429, 429]);
    const health = (await (await fetch(`${a.url}/api/health`)).json()) as any;
    expect(health).toMatchObject({ success: true, data: { status: "ok", rateLimiter: "degraded" } });
  });
});
