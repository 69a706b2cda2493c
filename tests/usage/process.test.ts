import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { argus, createUser, dataDirFixture, startServer } from "../cli/run.ts";
import { tempDir } from "../support/harness.ts";
import { startServerProcess } from "../support/process.ts";
import { describeRedis, skipRedis, startRedis, type RedisServer } from "../support/redis.ts";

setDefaultTimeout(60_000);

// Usage in real server processes: written behind, flushed on SIGTERM, summed across ARGUS_WORKERS processes.

const post = (url: string, body: unknown, token?: string) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  }).then((r) => r.json() as Promise<any>);
const sums = (file: string, keyId: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.query("SELECT unit, sum(ok) AS ok, sum(rate_limited) AS rateLimited, sum(not_found) AS notFound FROM key_usage WHERE key_id = ? GROUP BY unit ORDER BY unit").all(keyId);
  } finally {
    db.close();
  }
};

describe("usage across a SIGTERM restart, read with the CLI", () => {
  const fx = dataDirFixture();
  afterAll(fx.remove);

  test("counts made before SIGTERM are written by it; after a restart they add up; argus keys usage charts them", async () => {
    await createUser(fx.dir, "ops@example.com", { admin: true, password: "ops password 1" });
    const key = { id: "", key: "" };
    const use = async (url: string, n: number, path = "/api/v1/articles/latest") => {
      for (let i = 0; i < n; i++) await fetch(`${url}${path}`, { headers: { "x-api-key": key.key } });
    };
    let server = await startServer(fx.dir);
    try {
      const token = (await post(`${server.url}/api/auth/login`, { email: "ops@example.com", password: "ops password 1" })).data.token;
      Object.assign(key, (await post(`${server.url}/api/keys`, { name: "nightly sync" }, token)).data);
      await use(server.url, 7);
      await use(server.url, 2, "/api/v1/articles/no-such-article");
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
    }
    expect(sums(join(fx.dir, "argus.db"), key.id)).toEqual(
      ["day", "hour", "minute"].map((unit) => ({ unit, ok: 7, rateLimited: 0, notFound: 2 })),
    );
    server = await startServer(fx.dir);
    try {
      await use(server.url, 3);
    } finally {
      expect(await server.stop("SIGTERM")).toBe(0);
    }

    const json = await argus(["keys", "usage", key.id, "--granularity", "day", "--json"], { dataDir: fx.dir });
    expect(json.code).toBe(0);
    const data = JSON.parse(json.stdout);
    expect(data.totals).toMatchObject({ ok: 10, notFound: 2, rateLimited: 0 });
    expect(data.points).toHaveLength(1);

    const chart = await argus(["keys", "usage", key.id, "--granularity", "minute", "--since", "2h"], { dataDir: fx.dir });
    expect(chart.code).toBe(0);
    const lines = chart.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^nightly sync \(argus_[0-9a-f]{2}…[0-9a-f]{4}\): requests by minute, \S+Z to \S+Z$/);
    expect(lines[1]).toMatch(/^\[[ ▁▂▃▄▅▆▇█]+\]$/);
    expect(lines.at(-1)).toBe("total 12: ok 10, not found 2");
    // One bar per minute with requests: its count, the bar (█ passed, ▒ not found), the breakdown.
    const bars = lines.filter((l) => /^\d{4}-\d\d-\d\dT/.test(l));
    expect(bars.length).toBeGreaterThanOrEqual(1);
    expect(bars.every((l) => /^\S+Z +\d+ [█▒]+  ok \d+(, not found \d+)?$/.test(l))).toBe(true);

    const top = await argus(["usage", "--since", "1h"], { dataDir: fx.dir });
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(new RegExp(`^${key.id} +nightly sync +argus_.{2}… +12 +10 +2$`, "m"));
    expect(top.stdout).toMatch(/^\S+ +ops@example\.com +12 +10 +2$/m);
    const none = await argus(["usage", "--since", "1h", "--outcome", "rateLimited"], { dataDir: fx.dir });
    expect(none.stdout).toContain("keys with rate limited requests from");
    expect(none.stdout.split("\n").filter((l) => l === "(none)")).toHaveLength(2);
    const bad = await argus(["usage", "--since", "yesterday"], { dataDir: fx.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since must be a duration like 90m, 1h or 7d, or an ISO 8601 time");
  });
});

describe("usage from two processes on one database", () => {
  test("each adds its own counts to the same rows; a read on either sums both", async () => {
    const dir = tempDir();
    const env = { ARGUS_DATA_DIR: dir, ARGUS_ADMIN_EMAIL: "root@example.com", ARGUS_ADMIN_PASSWORD: "root-password" };
    const a = await startServerProcess(env);
    const b = await startServerProcess(env);
    try {
      const token = (await post(`${a.url}/api/auth/login`, { email: "root@example.com", password: "root-password" })).data.token;
      const k = (await post(`${a.url}/api/keys`, { name: "two" }, token)).data;
      const use = async (url: string, n: number) => {
        for (let i = 0; i < n; i++) expect((await fetch(`${url}/api/auth/me`, { headers: { "x-api-key": k.key } })).status).toBe(200);
      };
      await use(a.url, 5);
      await use(b.url, 7);
      // A read waits for its own process's counts; the other's arrive with its next flush (every 2 s).
      const read = async (url: string) =>
        ((await (await fetch(`${url}/api/keys/${k.id}/usage?granularity=minute`, { headers: { authorization: `Bearer ${token}` } })).json()) as any).data.totals.ok;
      expect(await read(a.url)).toBeGreaterThanOrEqual(5);
      expect(await read(b.url)).toBeGreaterThanOrEqual(7);
      let seen = 0;
      for (const until = Date.now() + 15_000; Date.now() < until && seen < 12; await Bun.sleep(200)) seen = await read(a.url);
      expect(seen).toBe(12);
      expect(await read(b.url)).toBe(12);
      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
      expect(sums(join(dir, "argus.db"), k.id)).toEqual(["day", "hour", "minute"].map((unit) => ({ unit, ok: 12, rateLimited: 0, notFound: 0 })));
    } finally {
      for (const s of [a, b]) if (s.proc.exitCode === null) await s.stop("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeRedis("usage under ARGUS_WORKERS=2", () => {
  let redis: RedisServer;
  afterAll(async () => {
    await redis?.stop();
  });

  test("each worker adds its own counts; a read sums them, and the totals equal the requests sent", async () => {
    if (skipRedis) return;
    redis = await startRedis();
    const dir = tempDir();
    const primary = await startServerProcess({
      ARGUS_DATA_DIR: dir, ARGUS_REDIS_URL: redis.url, ARGUS_WORKERS: "2", ARGUS_RATE_LIMIT_PER_MINUTE: "20",
      ARGUS_ADMIN_EMAIL: "root@example.com", ARGUS_ADMIN_PASSWORD: "root-password",
    });
    try {
      const token = (await post(`${primary.url}/api/auth/login`, { email: "root@example.com", password: "root-password" })).data.token;
      const k = (await post(`${primary.url}/api/keys`, { name: "w" }, token)).data;
      // New connections each, so both workers answer; 20 tokens a minute, shared through Redis.
      const sent = await Promise.all(
        Array.from({ length: 30 }, () => fetch(`${primary.url}/api/auth/me`, { headers: { "x-api-key": k.key, connection: "close" } })),
      );
      // 20 tokens at first, one more every 3 s: a burst that takes longer than that on a loaded machine gets 21.
      const ok = sent.filter((r) => r.status === 200).length;
      expect(ok).toBeGreaterThanOrEqual(20);
      expect(ok).toBeLessThan(25);
      expect(sent.filter((r) => r.status === 429)).toHaveLength(30 - ok);
      // Whichever worker answers writes its own counts first; the other's arrive within its 2 s flush.
      const want = { ok, rateLimited: 30 - ok };
      let totals: any;
      for (const until = Date.now() + 20_000; Date.now() < until; await Bun.sleep(250)) {
        const res = await fetch(`${primary.url}/api/admin/api-keys/${k.id}/usage?granularity=minute`, { headers: { authorization: `Bearer ${token}`, connection: "close" } });
        totals = ((await res.json()) as any).data.totals;
        if (totals.ok + totals.rateLimited >= 30) break;
      }
      expect(totals).toMatchObject(want);
      expect(await primary.stop("SIGTERM")).toBe(0);
      // Nothing counted twice or lost: the file holds exactly what was sent, at every unit.
      expect(sums(join(dir, "argus.db"), k.id)).toEqual(["day", "hour", "minute"].map((unit) => ({ unit, ...want, notFound: 0 })));
    } finally {
      if (primary.proc.exitCode === null) await primary.stop("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
