import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { keyQuotaUsage } from "../../db/schema.ts";
import { LEASE_IDLE_MS } from "../../server/core/quota-leases.ts";
import { createHarness, listen, tempDir, type Harness } from "../support/harness.ts";
import { parsePrometheus, valueOf } from "../support/prometheus.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// A process spends a key's quota from blocks it leased from the durable row (a sixteenth of what is left, at most
// 1,000, at least 1): the row counts leased units as used until they are spent or given back.

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0).reverse()) await h.close();
});
async function harness(dataDir?: string, pooled?: boolean) {
  const h = await createHarness({}, { ...(dataDir ? { dataDir } : {}), pooled });
  open.push(h);
  return h;
}

const json = async (res: Response) => (await res.json()) as any;
const row = (h: Harness, keyId: string) =>
  h.core.deps.db.select().from(keyQuotaUsage).where(eq(keyQuotaUsage.keyId, keyId)).get();
const get = (h: Harness, key: string, path = "/api/auth/me") => h.request(path, { apiKey: key });
const remaining = (res: Response) => res.headers.get("x-quota-remaining");
const MIDNIGHT = Date.UTC(2026, 10, 29); // the harness clock starts at 2026-11-28T12:00Z

/** A user, their key with this quota, and an admin; the key's rate limit is out of the way. */
async function meteredKey(h: Harness, quota: { limit: number; period: "day" | "month" }) {
  const u = await h.signUp();
  const k = await h.createKey(u.token, { name: "metered", quota });
  const admin = await h.signUp("admin");
  await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { rateLimit: 100_000 } });
  const record = async () => (await json(await h.request(`/api/keys/${k.id}`, { token: u.token }))).data.quota;
  return { u, k, admin, record };
}

describe("quota leases", () => {
  test("one lease job serves many requests: the quota.lease writes are far fewer than the requests", async () => {
    const h = await harness();
    const srv = listen(h);
    try {
      const { k } = await meteredKey(h, { limit: 1_000_000, period: "month" });
      for (let wave = 0; wave < 3; wave++) {
        const answers = await Promise.all(Array.from({ length: 100 }, () => get(h, k.key)));
        expect(answers.map((r) => r.status)).toEqual(Array(100).fill(200));
      }
      expect((await get(h, k.key, `/api/v1/articles/${crypto.randomUUID()}`)).status).toBe(404); // gives its unit back
      const metrics = parsePrometheus(await (await fetch(`${srv.url}/metrics`)).text());
      const jobs = (job: string) => valueOf(metrics, "argus_sqlite_write_duration_seconds_count", { job });
      expect(jobs("quota.lease")).toBe(1); // 301 requests, one lease of 1,000 units
      expect(jobs("quota.refund")).toBe(0);
      expect(row(h, k.id)).toMatchObject({ used: 1_000 });
      expect(remaining(await get(h, k.key))).toBe(String(1_000_000 - 301));
    } finally {
      srv.stop();
    }
  });

  test("leased units go back on close: after a restart the row holds exactly the successes", async () => {
    const dataDir = tempDir();
    const first = await createHarness({}, { dataDir });
    const { u, k, record } = await meteredKey(first, { limit: 1_000, period: "day" });
    for (let i = 0; i < 7; i++) expect(remaining(await get(first, k.key))).toBe(String(999 - i));
    expect((await get(first, k.key, `/api/v1/articles/${crypto.randomUUID()}`)).status).toBe(404);
    expect(row(first, k.id)).toMatchObject({ used: 62 }); // one lease: 1,000 / 16
    expect(await record()).toMatchObject({ used: 7, remaining: 993 }); // the lease's unspent units are not "used"
    await first.close(false);

    const h = await harness(dataDir);
    expect(row(h, k.id)).toMatchObject({ used: 7, periodStart: Date.UTC(2026, 10, 28) });
    expect(remaining(await get(h, k.key))).toBe("992");
    const again = await json(await h.request(`/api/keys/${k.id}`, { token: u.token }));
    expect(again.data.quota).toMatchObject({ used: 8, remaining: 992 });
  });

  test("an idle lease goes back to the row; the next request leases again", async () => {
    const h = await harness();
    const { k } = await meteredKey(h, { limit: 1_000, period: "day" });
    for (let i = 0; i < 3; i++) await get(h, k.key);
    expect(row(h, k.id)?.used).toBe(62);
    h.clock.advance(LEASE_IDLE_MS - 1);
    await h.core.quotas.sweep();
    expect(row(h, k.id)?.used).toBe(62); // not idle long enough
    h.clock.advance(1);
    await h.core.quotas.sweep();
    expect(row(h, k.id)?.used).toBe(3);
    expect(remaining(await get(h, k.key))).toBe("996");
    expect(row(h, k.id)?.used).toBe(3 + Math.floor(997 / 16));
  });

  test("a limit the admin lowers applies to the very next request, and a raised one too", async () => {
    const h = await harness();
    const { k, admin, record } = await meteredKey(h, { limit: 1_000, period: "day" });
    for (let i = 0; i < 5; i++) expect((await get(h, k.key)).status).toBe(200);
    const put = (quota: unknown) => h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { quota } });
    expect((await json(await put({ limit: 6, period: "day" }))).data.quota).toMatchObject({ limit: 6, used: 5, remaining: 1 });
    const last = await get(h, k.key);
    expect([last.status, last.headers.get("x-quota-limit"), remaining(last)]).toEqual([200, "6", "0"]);
    const refused = await get(h, k.key);
    expect(refused.status).toBe(429);
    expect((await json(refused)).code).toBe("QUOTA_EXCEEDED");
    expect(row(h, k.id)?.used).toBe(6); // the old lease's 57 unspent units went back before the new lease
    await put({ limit: 8, period: "day" });
    expect(remaining(await get(h, k.key))).toBe("1");
    expect(remaining(await get(h, k.key))).toBe("0");
    expect((await get(h, k.key)).status).toBe(429);
    expect(await record()).toMatchObject({ limit: 8, used: 8, remaining: 0 });
  });

  test("a lease of the previous period is never spent in the new one", async () => {
    const h = await harness();
    const { k, record } = await meteredKey(h, { limit: 40, period: "day" });
    expect(remaining(await get(h, k.key))).toBe("39");
    expect(row(h, k.id)).toMatchObject({ used: 2, periodStart: Date.UTC(2026, 10, 28) }); // 1 unit still in hand
    h.clock.set(MIDNIGHT);
    expect(await record()).toMatchObject({ used: 0, remaining: 40 });
    const fresh = await get(h, k.key);
    expect([fresh.status, remaining(fresh), fresh.headers.get("x-quota-reset")]).toEqual([200, "39", String(Date.UTC(2026, 10, 30) / 1000)]);
    // The new day was leased from the row (which starts over), not served from yesterday's unit.
    expect(row(h, k.id)).toMatchObject({ used: 2, periodStart: MIDNIGHT });
    await h.core.quotas.close();
    expect(row(h, k.id)).toMatchObject({ used: 1, periodStart: MIDNIGHT });
  });

  test("a roll with units in hand carries over exactly what was spent", async () => {
    const h = await harness();
    const { u, k } = await meteredKey(h, { limit: 1_000, period: "day" });
    for (let i = 0; i < 4; i++) await get(h, k.key);
    const rolled = await json(await h.request(`/api/keys/${k.id}/roll`, { method: "POST", token: u.token, json: { gracePeriodSeconds: 60 } }));
    expect(rolled.data.quota).toMatchObject({ used: 4, remaining: 996 });
    expect(row(h, rolled.data.id)?.used).toBe(4);
    expect(remaining(await get(h, rolled.data.key))).toBe("995");
  });

  test("two cores on one database file never exceed the limit together: hammered by both, exactly the limit", async () => {
    const dataDir = tempDir();
    const a = await harness(dataDir);
    const b = await harness(dataDir);
    const { k } = await meteredKey(a, { limit: 150, period: "day" });
    const hammer = (h: Harness) => Array.from({ length: 200 }, () => get(h, k.key));
    const answers = await Promise.all([...hammer(a), ...hammer(b)]);
    const statuses = answers.map((r) => r.status);
    // Each core answered 200 requests, more than the limit, so each was refused: its lease was empty and the row full.
    expect(statuses.filter((s) => s === 200)).toHaveLength(150);
    expect(statuses.filter((s) => s === 429)).toHaveLength(250);
    for (const r of answers.filter((x) => x.status === 429)) expect((await json(r)).code).toBe("QUOTA_EXCEEDED");
    expect(row(b, k.id)?.used).toBe(150);
    await a.core.quotas.close();
    await b.core.quotas.close();
    expect(row(a, k.id)?.used).toBe(150);
  });

  test("pooled cores (ARGUS_WORKERS) lease only what waiting requests need: one wave of 200 at quota 150 gets exactly 150", async () => {
    const dataDir = tempDir();
    const a = await harness(dataDir, true);
    const b = await harness(dataDir, true);
    const { k } = await meteredKey(a, { limit: 150, period: "day" });
    const wave = (h: Harness) => Array.from({ length: 100 }, () => get(h, k.key));
    const statuses = (await Promise.all([...wave(a), ...wave(b)])).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(150);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    // Nothing held back by either: the row has exactly what was served.
    expect([row(a, k.id)?.used, a.core.quotas.unspent(k.id, MIDNIGHT - 86_400_000), b.core.quotas.unspent(k.id, MIDNIGHT - 86_400_000)]).toEqual([150, 0, 0]);
  });

  test("in a pooled core a failed request's unit goes straight back to the row", async () => {
    const h = await harness(undefined, true);
    const { k } = await meteredKey(h, { limit: 10, period: "day" });
    expect((await get(h, k.key)).status).toBe(200);
    expect((await get(h, k.key, "/api/v1/articles/nope")).status).toBe(404);
    await h.core.quotas.sweep(); // waits for the give-back write, if any is in flight
    expect([row(h, k.id)?.used, h.core.quotas.unspent(k.id, MIDNIGHT - 86_400_000)]).toEqual([1, 0]);
  });

  test("a limit changed through another core reaches this core's lease on its next request", async () => {
    const dataDir = tempDir();
    const a = await harness(dataDir);
    const b = await harness(dataDir);
    const { k, admin } = await meteredKey(a, { limit: 1_000, period: "day" });
    for (let i = 0; i < 3; i++) expect((await get(b, k.key)).status).toBe(200);
    expect(row(a, k.id)?.used).toBe(62); // b holds 59 of them
    await a.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { quota: { limit: 4, period: "day" } } });
    const last = await get(b, k.key);
    expect([last.status, last.headers.get("x-quota-limit"), remaining(last)]).toEqual([200, "4", "0"]);
    expect((await get(b, k.key)).status).toBe(429);
    expect(row(a, k.id)?.used).toBe(4);
  });
});
