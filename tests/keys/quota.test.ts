import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { keyQuotaUsage } from "../../db/schema.ts";
import { createHarness, listen, tempDir, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
afterEach(() => h?.close());

const json = async (res: Response) => (await res.json()) as any;
const get = (key: string, path = "/api/v1/articles/latest") => h.request(path, { apiKey: key });
const used = (keyId: string) => h.core.deps.db.select().from(keyQuotaUsage).where(eq(keyQuotaUsage.keyId, keyId)).get()?.used;
const quotaHeaders = (res: Response) => ({
  limit: res.headers.get("x-quota-limit"), remaining: res.headers.get("x-quota-remaining"), reset: res.headers.get("x-quota-reset"),
});
const MIDNIGHT = Date.UTC(2026, 10, 29); // the harness clock starts at 2026-11-28T12:00Z

async function quotaKey(quota: unknown, rateLimit?: number) {
  const u = await h.signUp();
  const k = await h.createKey(u.token, { name: "metered", quota });
  if (rateLimit) {
    const admin = await h.signUp("admin");
    await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { rateLimit } });
  }
  return { u, k };
}

describe("per-key quotas", () => {
  test("each success spends one; past the limit 429 QUOTA_EXCEEDED with Retry-After until the UTC day ends", async () => {
    h = await createHarness();
    const { k } = await quotaKey({ limit: 3, period: "day" });
    for (const remaining of ["2", "1", "0"]) {
      const res = await get(k.key);
      expect(res.status).toBe(200);
      expect(quotaHeaders(res)).toEqual({ limit: "3", remaining, reset: String(MIDNIGHT / 1000) });
    }
    const refused = await get(k.key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe(String(12 * 3600));
    expect(quotaHeaders(refused)).toEqual({ limit: "3", remaining: "0", reset: String(MIDNIGHT / 1000) });
    expect(await json(refused)).toEqual({
      success: false, code: "QUOTA_EXCEEDED", error: "API key quota of 3 requests per period exhausted", retryAfter: 43200,
    });
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("96"); // the rate limit is charged first
    expect(used(k.id)).toBe(3);
  });

  test("resets at the period boundary: 429 at midnight - 1 ms, 200 at midnight; months reset on the 1st", async () => {
    h = await createHarness();
    const { k } = await quotaKey({ limit: 1, period: "day" });
    expect((await get(k.key)).status).toBe(200);
    h.clock.set(MIDNIGHT - 1);
    expect((await get(k.key)).status).toBe(429);
    h.clock.set(MIDNIGHT);
    const fresh = await get(k.key);
    expect(fresh.status).toBe(200);
    expect(quotaHeaders(fresh)).toEqual({ limit: "1", remaining: "0", reset: String(Date.UTC(2026, 10, 30) / 1000) });

    const monthly = (await quotaKey({ limit: 1, period: "month" })).k;
    expect((await get(monthly.key)).status).toBe(200);
    const refused = await get(monthly.key);
    expect(refused.headers.get("x-quota-reset")).toBe(String(Date.UTC(2026, 11, 1) / 1000));
    h.clock.set(Date.UTC(2026, 11, 1) - 1);
    expect((await get(monthly.key)).status).toBe(429);
    h.clock.set(Date.UTC(2026, 11, 1));
    expect((await get(monthly.key)).status).toBe(200);
  });

  test("failed and rate-limited requests spend nothing", async () => {
    h = await createHarness();
    const { k } = await quotaKey({ limit: 10, period: "day" }, 2);
    const missing = await get(k.key, `/api/v1/articles/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-quota-remaining")).toBe("10");
    expect((await get(k.key)).headers.get("x-quota-remaining")).toBe("9");
    const limited = await get(k.key);
    expect(limited.status).toBe(429);
    expect((await json(limited)).code).toBe("TOO_MANY_REQUESTS");
    expect(limited.headers.get("x-quota-remaining")).toBe("9");
    expect(used(k.id)).toBe(1);
  });

  test("200 concurrent requests at quota 150 get exactly 150 successes", async () => {
    h = await createHarness();
    const { k } = await quotaKey({ limit: 150, period: "day" }, 100_000);
    const answers = await Promise.all(Array.from({ length: 200 }, () => get(k.key)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(150);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    for (const r of answers.filter((a) => a.status === 429)) expect((await json(r)).code).toBe("QUOTA_EXCEEDED");
    expect(used(k.id)).toBe(150);
  });

  test("survives a restart", async () => {
    const dataDir = tempDir();
    h = await createHarness({}, { dataDir });
    const { k } = await quotaKey({ limit: 5, period: "month" });
    await get(k.key);
    await get(k.key);
    await h.close(false);
    h = await createHarness({}, { dataDir });
    expect((await get(k.key)).headers.get("x-quota-remaining")).toBe("2");
    await h.close(true);
    h = undefined as any;
  });

  test("keys without a quota carry no quota headers and write no usage", async () => {
    h = await createHarness();
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const res = await get(k.key);
    expect(res.headers.get("x-quota-limit")).toBeNull();
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
    expect(h.core.deps.db.select().from(keyQuotaUsage).all()).toEqual([]);
  });

  test("validation, admin set and clear, and a roll carrying the spend over", async () => {
    h = await createHarness();
    const u = await h.signUp();
    for (const quota of [{ limit: 0, period: "day" }, { limit: 5, period: "week" }, { limit: 1.5, period: "day" }, { limit: 5 }, { limit: 5, period: "day", extra: 1 }]) {
      const res = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "q", quota } });
      expect(res.status).toBe(400);
    }
    const admin = await h.signUp("admin");
    const k = await h.createKey(u.token);
    const put = await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { quota: { limit: 3, period: "day" } } });
    const resetAt = new Date(MIDNIGHT).toISOString();
    expect((await json(put)).data.quota).toEqual({ limit: 3, period: "day", used: 0, remaining: 3, resetAt });
    expect((await get(k.key)).headers.get("x-quota-remaining")).toBe("2");
    const rolled = (await json(await h.request(`/api/keys/${k.id}/roll`, { method: "POST", token: u.token, json: { gracePeriodSeconds: 60 } }))).data;
    expect(rolled.quota).toEqual({ limit: 3, period: "day", used: 1, remaining: 2, resetAt });
    expect((await get(rolled.key)).headers.get("x-quota-remaining")).toBe("1");
    await h.request(`/api/admin/api-keys/${rolled.id}`, { method: "PUT", token: admin.token, json: { quota: null } });
    expect((await get(rolled.key)).headers.get("x-quota-limit")).toBeNull();
  });

  test("over tRPC: headers, TOO_MANY_REQUESTS with appCode QUOTA_EXCEEDED, and a failed call gives its unit back", async () => {
    h = await createHarness();
    const srv = listen(h);
    try {
      const { u, k } = await quotaKey({ limit: 2, period: "day" });
      const client = createArgusClient({ url: srv.url, apiKey: k.key });
      const missing = await client.articles.byId.query({ id: crypto.randomUUID() }).catch((e) => e);
      expect(missing.code).toBe("NOT_FOUND");
      // The unit went back into this process's lease (the row still counts it leased): the record shows none spent.
      expect((await json(await h.request(`/api/keys/${k.id}`, { token: u.token }))).data.quota).toMatchObject({ used: 0, remaining: 2 });
      await client.articles.latest.query({ limit: 1 });
      await client.articles.latest.query({ limit: 1 });
      const refused = await client.articles.latest.query({ limit: 1 }).catch((e) => e);
      expect(refused.data).toMatchObject({ code: "TOO_MANY_REQUESTS", appCode: "QUOTA_EXCEEDED", retryAfter: 43200 });
      const raw = await fetch(`${srv.url}/trpc/articles.latest?input=${encodeURIComponent(JSON.stringify({ json: { limit: 1 } }))}`, { headers: { "x-api-key": k.key } });
      expect(raw.status).toBe(429);
      expect(quotaHeaders(raw)).toEqual({ limit: "2", remaining: "0", reset: String(MIDNIGHT / 1000) });
      expect(raw.headers.get("retry-after")).toBe("43200");
    } finally {
      srv.stop();
    }
  });
});
