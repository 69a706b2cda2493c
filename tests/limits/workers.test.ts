import { Database } from "bun:sqlite";
import { databaseFile } from "../../db/client.ts";
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { cleanEnv, freePort, startServerProcess, type ServerProcess } from "../support/process.ts";
import { describeRedis, skipRedis, startRedis, type RedisServer } from "../support/redis.ts";
import { tempDir } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let redis: RedisServer;
let primary: ServerProcess;
let token: string;
let dataDir: string;
let quotaKeyId: string;

const post = (path: string, body: unknown, auth?: string) =>
  fetch(`${primary.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: JSON.stringify(body),
  });

/** The key's rate limit out of the way, so only its quota refuses. */
const unthrottle = (id: string) =>
  fetch(`${primary.url}/api/admin/api-keys/${id}`, {
    method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ rateLimit: 100_000 }),
  });

beforeAll(async () => {
  if (skipRedis) return;
  redis = await startRedis();
  primary = await startServerProcess({
    ARGUS_DATA_DIR: (dataDir = tempDir()), ARGUS_REDIS_URL: redis.url, ARGUS_WORKERS: "2",
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
    quotaKeyId = k.id;
    await unthrottle(k.id);
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => fetch(`${primary.url}/api/auth/me`, { headers: { "x-api-key": k.key, connection: "close" } })),
    );
    // Workers lease only what their waiting requests need, so neither holds a unit the other could have spent.
    expect(responses.filter((r) => r.status === 200)).toHaveLength(150);
    const refused = responses.filter((r) => r.status === 429);
    expect(refused).toHaveLength(50);
    expect(((await refused[0]!.json()) as any).code).toBe("QUOTA_EXCEEDED");
  });

  test("SIGTERM to the primary drains every worker and exits 0, each giving its leased quota units back", async () => {
    const k = ((await (await post("/api/keys", { name: "big", quota: { limit: 10_000, period: "day" } }, token)).json()) as any).data;
    await unthrottle(k.id);
    const uses = await Promise.all(
      Array.from({ length: 30 }, () => fetch(`${primary.url}/api/auth/me`, { headers: { "x-api-key": k.key, connection: "close" } })),
    );
    expect(uses.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(await primary.stop("SIGTERM")).toBe(0);
    const db = new Database(databaseFile(dataDir), { readonly: true });
    const used = db.query<{ used: number }, [string]>("SELECT used FROM key_quota_usage WHERE key_id = ?");
    expect(used.get(k.id)).toEqual({ used: 30 }); // not the 625 (or more) units the workers had leased
    expect(used.get(quotaKeyId)).toEqual({ used: 150 });
    db.close();
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
