import { afterEach, expect, test, setDefaultTimeout } from "bun:test";
import { freePort, startServerProcess, type ServerProcess } from "../support/process.ts";
import { describeRedis, startRedis, type RedisServer } from "../support/redis.ts";
import { tempDir } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Issue 10, item 5: health must not say "ok" for a Redis nobody has reached yet, in any worker.

let server: ServerProcess | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await server?.stop();
  await redis?.stop();
  server = redis = undefined;
});

const ADMIN = { ARGUS_ADMIN_EMAIL: "root@example.com", ARGUS_ADMIN_PASSWORD: "root-password" };
const limiterHealth = async (url: string) =>
  (((await (await fetch(`${url}/api/health`, { headers: { connection: "close" } })).json()) as any).data.rateLimiter as string);

async function keyFor(url: string) {
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const login = await post("/api/auth/login", { email: "root@example.com", password: "root-password" });
  const token = ((await login.json()) as any).data.token;
  return ((await (await post("/api/keys", { name: "k" }, token)).json()) as any).data.key as string;
}

/** Polls /api/health until the limiter reports `want`; the server pings Redis every 2 s. */
async function until(url: string, want: string) {
  const deadline = Date.now() + 20_000;
  while ((await limiterHealth(url)) !== want && Date.now() < deadline) await Bun.sleep(100);
  return limiterHealth(url);
}

describeRedis("the Redis limiter's health from start-up", () => {
  test("ARGUS_REDIS_URL pointing at nothing: degraded from the first request, a limit-3 key gets 3, ok once Redis is up", async () => {
    const port = freePort();
    server = await startServerProcess({
      ARGUS_DATA_DIR: tempDir(), ARGUS_REDIS_URL: `redis://127.0.0.1:${port}`, ARGUS_RATE_LIMIT_PER_MINUTE: "3", ...ADMIN,
    });
    expect(await limiterHealth(server.url)).toBe("degraded"); // before any key request
    const key = await keyFor(server.url);
    const me = () => fetch(`${server!.url}/api/auth/me`, { headers: { "x-api-key": key } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await me()).status);
    expect(statuses).toEqual([200, 200, 200, 429]); // this process's own bucket, not "allowed"

    redis = await startRedis({ port });
    expect(await until(server.url, "ok")).toBe("ok");
    const r = await me(); // a fresh bucket in Redis: the process's empty one is no longer asked
    expect(r.status).toBe(200);
    expect(r.headers.get("x-ratelimit-remaining")).toBe("2");
  });

  test("with ARGUS_WORKERS=2 every worker reports degraded from start-up, and ok once Redis is up", async () => {
    const port = freePort();
    server = await startServerProcess({ ARGUS_DATA_DIR: tempDir(), ARGUS_REDIS_URL: `redis://127.0.0.1:${port}`, ARGUS_WORKERS: "2" });
    // New connections spread over both workers (SO_REUSEPORT); 20 of them reach each with near certainty.
    const first = await Promise.all(Array.from({ length: 20 }, () => limiterHealth(server!.url)));
    expect(first).toEqual(Array(20).fill("degraded"));
    redis = await startRedis({ port });
    // Each worker notices on its own next ping: poll until 20 answers in a row, from both, say ok.
    const deadline = Date.now() + 20_000;
    let after: string[] = [];
    do after = await Promise.all(Array.from({ length: 20 }, () => limiterHealth(server!.url)));
    while (after.includes("degraded") && Date.now() < deadline);
    expect(after).toEqual(Array(20).fill("ok"));
  });
});
