import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { seedArticles } from "../../bench/seed-articles.ts";
import { tempDir } from "../support/harness.ts";
import { startServerProcess, type ServerProcess } from "../support/process.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Each way one caller, within its limits, used to stall everyone (issue 9), against a real server on a seeded
// database, while a victim keeps calling /api/auth/me with a key and /api/health. The bounds are generous (a busy
// CI box); before the writer and reader threads these rows stalled the victim for seconds.

const ARTICLES = 20_000;
const VICTIM_P99_MS = 750;
const VICTIM_MAX_MS = 2_000;
const ADMIN = { email: "admin@fair.example.com", password: "admin password 1" };

let dir: string;
let server: ServerProcess;
let userToken: string;
let adminToken: string;
let readKey: string;
let writeKey: string;
let ftsWord: string;

const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(json) });

/** Calls the server every few ms until stopped; each call's latency in ms. */
function victim() {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const started = performance.now();
      const res = i % 2
        ? await fetch(`${server.url}/api/health`)
        : await fetch(`${server.url}/api/auth/me`, { headers: { "x-api-key": readKey } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      await Bun.sleep(5);
    }
  })();
  return async () => {
    running = false;
    await loop;
    const sorted = [...latencies].sort((a, b) => a - b);
    return { n: sorted.length, p99: sorted[Math.floor(sorted.length * 0.99)] ?? 0, max: sorted.at(-1) ?? 0 };
  };
}

function expectUnharmed(stats: { n: number; p99: number; max: number }, bounds = { p99: VICTIM_P99_MS, max: VICTIM_MAX_MS }) {
  expect(stats.n).toBeGreaterThan(5);
  expect(stats.p99).toBeLessThanOrEqual(bounds.p99);
  expect(stats.max).toBeLessThanOrEqual(bounds.max);
}

function article(i: number) {
  return { title: `Batch article ${i}`, url: `https://fair.example.com/${i}`, source: "Fair", summary: "compiler news " + i, publishedAt: "2026-11-01T00:00:00Z" };
}

beforeAll(async () => {
  dir = tempDir();
  ftsWord = seedArticles(dir, ARTICLES).ftsWord;
  server = await startServerProcess({
    ARGUS_DATA_DIR: dir,
    ARGUS_ADMIN_EMAIL: ADMIN.email,
    ARGUS_ADMIN_PASSWORD: ADMIN.password,
    ARGUS_RATE_LIMIT_PER_MINUTE: "100000",
    ARGUS_USER_RATE_LIMIT_PER_MINUTE: "0", // the victim alone sends thousands of keyed requests a minute
  });
  userToken = (await (await post("/api/auth/register", { email: "user@fair.example.com", password: "user password 1" })).json() as any).data.token;
  adminToken = (await (await post("/api/auth/login", ADMIN)).json() as any).data.token;
  readKey = (await (await post("/api/keys", { name: "victim" }, { authorization: `Bearer ${userToken}` })).json() as any).data.key;
  writeKey = (await (await post("/api/keys", { name: "writer", scopes: ["articles:read", "articles:write"] }, { authorization: `Bearer ${adminToken}` })).json() as any).data.key;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("fairness: one caller cannot stall the others", () => {
  test("q of 250 copies of a common word is refused at once with a 400", async () => {
    const res = await fetch(`${server.url}/api/v1/articles?q=${encodeURIComponent(Array(250).fill(ftsWord).join(" "))}`, { headers: { "x-api-key": readKey } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).details[0].field).toBe("q");
  });

  test("a tRPC batch of 10 common-word searches over a JWT, sent again and again, leaves the victim fast", async () => {
    const stop = victim();
    const input = encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i, { json: { q: ftsWord, limit: 100 } }]))));
    const path = Array(10).fill("articles.list").join(",");
    for (let round = 0; round < 5; round++) {
      const res = await fetch(`${server.url}/trpc/${path}?batch=1&input=${input}`, { headers: { authorization: `Bearer ${userToken}` } });
      expect(res.status).toBe(200);
      const out = (await res.json()) as any[];
      expect(out).toHaveLength(10);
      expect(out[0].result.data.json.items).toHaveLength(100);
    }
    expectUnharmed(await stop());
  });

  test("three clients posting 500-article batches back to back leave key reads fast", async () => {
    const stop = victim();
    await Promise.all([0, 1, 2].map(async (client) => {
      for (let round = 0; round < 3; round++) {
        const base = (client * 3 + round) * 500;
        const res = await post("/api/v1/articles/batch", { articles: Array.from({ length: 500 }, (_, i) => article(base + i)) }, { "x-api-key": writeKey });
        expect(res.status).toBe(200);
      }
    }));
    expectUnharmed(await stop());
  });

  test("another process holding the write lock 3 s: reads stay fast and a write waits it out", async () => {
    const holder = Bun.spawn(["bun", "-e", `
      const { Database } = require("bun:sqlite");
      const db = new Database(${JSON.stringify(join(dir, "argus.db"))});
      db.exec("BEGIN IMMEDIATE"); console.log("locked");
      await Bun.sleep(3000); db.exec("COMMIT"); db.close();`], { stdout: "pipe" });
    const reader = holder.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("locked");
    const stop = victim();
    const started = performance.now();
    const res = await post("/api/v1/articles", article(99_001), { "x-api-key": writeKey });
    expect(res.status).toBe(201);
    expect(performance.now() - started).toBeGreaterThan(1_000); // it really waited for the other process
    expectUnharmed(await stop());
    await holder.exited;
  });

  test("a write lock held past 5 s makes the write a 503 with Retry-After, and the next write works", async () => {
    const holder = Bun.spawn(["bun", "-e", `
      const { Database } = require("bun:sqlite");
      const db = new Database(${JSON.stringify(join(dir, "argus.db"))});
      db.exec("BEGIN IMMEDIATE"); console.log("locked");
      await Bun.sleep(7000); db.exec("COMMIT"); db.close();`], { stdout: "pipe" });
    const reader = holder.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("locked");
    const stop = victim();
    const res = await post("/api/v1/articles", article(99_002), { "x-api-key": writeKey });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ success: false, code: "SERVICE_UNAVAILABLE", retryAfter: expect.any(Number) });
    expectUnharmed(await stop());
    await holder.exited;
    expect((await post("/api/v1/articles", article(99_002), { "x-api-key": writeKey })).status).toBe(201);
  });

  test("keys are capped per user, and a tRPC batch of 50 keys.list shares one budget of 500 items", async () => {
    const auth = { authorization: `Bearer ${userToken}` };
    const held = ((await (await fetch(`${server.url}/api/keys`, { headers: auth })).json()) as any).data.length;
    for (let i = held; i < 100; i++) expect((await post("/api/keys", { name: `k${i}` }, auth)).status).toBe(201);
    const over = await post("/api/keys", { name: "one too many" }, auth);
    expect(over.status).toBe(409);
    expect(((await over.json()) as any).error).toMatch(/100 API keys/);
    const stop = victim();
    const until = performance.now() + 1_500; // long enough for the victim to call many times (a hang guard bounds it)
    for (let round = 0; round < 5 || performance.now() < until; round++) {
      const res = await fetch(`${server.url}/trpc/${Array(50).fill("keys.list").join(",")}?batch=1`, { headers: auth });
      const text = await res.text();
      expect(res.status).toBe(200);
      const pages = JSON.parse(text) as any[];
      expect(pages).toHaveLength(50);
      const sizes = pages.map((p) => p.result.data.json.items.length);
      expect(sizes).toEqual([...Array(5).fill(100), ...Array(45).fill(1)]);
      expect(pages.slice(5).every((p) => p.result.data.json.hasMore === true)).toBe(true);
    }
    // Before paging, the cap and the batch budget it was a 250 MiB answer and a 13.8 s stall.
    expectUnharmed(await stop());
  });
});
