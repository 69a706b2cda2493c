import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { cleanEnv, freePort, startServerProcess, type ServerProcess } from "../support/process.ts";
import { describeRedis, skipRedis, startRedis, type RedisServer } from "../support/redis.ts";
import { tempDir } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let redis: RedisServer;
let primary: ServerProcess;
let token: string;

const post = (path: string, body: unknown, auth?: string) =>
  fetch(`${primary.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  if (skipRedis) return;
  redis = await startRedis();
  primary = await startServerProcess({
    ARGUS_DATA_DIR: tempDir(), ARGUS_REDIS_URL: redis.url, ARGUS_WORKERS: "2",
    ARGUS_ADMIN_EMAIL: "root@example.com", ARGUS_ADMIN_PASSWORD: "root-password",
    ARGUS_RATE_LIMIT_PER_MINUTE: "10", // one token per 6 s: exact counts even on a slow box
  });
  token = ((await (await post("/api/auth/login", { email: "root@example.com", password: "root-password" })).json()) as any).data.token;
}, 30_000);

afterAll(async () => {
  await primary?.stop();
  await redis?.stop();
});

describeRedis("ARGUS_WORKERS=2 on one port", () => {
  test("concurrent requests across the workers get one exact limit", async () => {
    const { key } = ((await (await post("/api/keys", { name: "w" }, token)).json()) as any).data;
    const responses = await Promise.all(
      Array.from({ length: 30 }, () => fetch(`${primary.url}/api/auth/me`, { headers: { "x-api-key": key, connection: "close" } })),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(10);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(20);
  });

  test("a revoked key fails on the next request whichever worker answers", async () => {
    const k = ((await (await post("/api/keys", { name: "r" }, token)).json()) as any).data;
    const use = () => fetch(`${primary.url}/api/auth/me`, { headers: { "x-api-key": k.key, connection: "close" } });
    for (let i = 0; i < 6; i++) expect((await use()).status).toBe(200);
    await fetch(`${primary.url}/api/keys/${k.id}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    const after = await Promise.all(Array.from({ length: 10 }, use));
    expect(after.map((r) => r.status)).toEqual(Array(10).fill(401));
    expect(((await after[0]!.json()) as any).error).toBe("API key has been revoked");
  });

  test("a quota is exact across the workers: 200 concurrent requests at quota 150 get 150 successes", async () => {
    const k = ((await (await post("/api/keys", { name: "q", quota: { limit: 150, period: "day" } }, token)).json()) as any).data;
    await fetch(`${primary.url}/api/admin/api-keys/${k.id}`, {
      method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ rateLimit: 100_000 }),
    });
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => fetch(`${primary.url}/api/auth/me`, { headers: { "x-api-key": k.key, connection: "close" } })),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(150);
    const refused = responses.filter((r) => r.status === 429);
    expect(refused).toHaveLength(50);
    expect(((await refused[0]!.json()) as any).code).toBe("QUOTA_EXCEEDED");
  });

  test("SIGTERM to the primary drains every worker and exits 0", async () => {
    expect(await primary.stop("SIGTERM")).toBe(0);
  });
});

describe("ARGUS_WORKERS without Redis", () => {
  test("refuses to start with one line naming the variables", async () => {
    const proc = Bun.spawn(["bun", "server/main.ts"], {
      env: cleanEnv({ ARGUS_WORKERS: "2", ARGUS_DATA_DIR: tempDir(), PORT: String(freePort()) }),
      stderr: "pipe", stdout: "ignore", timeout: 30_000,
    });
    expect(await proc.exited).toBe(1);
    const err = (await new Response(proc.stderr).text()).trim();
    expect(err.split("\n")).toHaveLength(1);
    expect(err).toContain("ARGUS_REDIS_URL");
  });
});
