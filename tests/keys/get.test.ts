import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { keyQuotaUsage } from "../../db/schema.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Reading one key (GET /api/keys/:id, GET /api/admin/api-keys/:id, keys.get, admin.apiKeys.get), and where a key's
// quota stands in every key record.

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const own = async (token: string, id: string) => h.request(`/api/keys/${id}`, { token });
const any = async (token: string, id: string) => h.request(`/api/admin/api-keys/${id}`, { token });
const listed = async (token: string, id: string) =>
  (await json(await h.request("/api/keys?includeRevoked=true", { token }))).data.find((k: any) => k.id === id);
const article = (key: string, path = "/api/v1/articles/latest") => h.request(path, { apiKey: key });
/** Dates as the REST door writes them. */
const asJson = (v: unknown) => JSON.parse(JSON.stringify(v));
const MIDNIGHT = Date.UTC(2026, 10, 29); // the harness clock starts at 2026-11-28T12:00Z
const iso = (ms: number) => new Date(ms).toISOString();

describe("GET /api/keys/:id", () => {
  test("returns one of your keys in the list's shape, and still after it is revoked or rolled away", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token, { name: "Billing sync", meta: { team: "billing" } });
    const res = await own(u.token, k.id);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toEqual({ success: true, data: await listed(u.token, k.id) });
    expect(body.data).toMatchObject({
      id: k.id, name: "Billing sync", keyPrefix: k.key.slice(0, 8), lastFour: k.key.slice(-4), isActive: true,
      createdAt: "2026-11-28T12:00:00.000Z", meta: { team: "billing" }, quota: null, revokedAt: null,
    });
    expect(JSON.stringify(body)).not.toContain(k.key.slice(6)); // never the secret

    await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token, json: { reason: "moved hosts" } });
    const revoked = await json(await own(u.token, k.id));
    expect(revoked.data).toMatchObject({ id: k.id, revokedAt: "2026-11-28T12:00:00.000Z", revokedReason: "moved hosts" });
    expect((await json(await h.request("/api/keys", { token: u.token }))).data).toEqual([]); // gone from the default list

    const r = await h.createKey(u.token, { name: "Rolled" });
    const rolled = await json(await h.request(`/api/keys/${r.id}/roll`, { method: "POST", token: u.token, json: { gracePeriodSeconds: 0 } }));
    h.clock.advance(1000);
    const retired = await json(await own(u.token, r.id));
    expect(retired.data).toMatchObject({ id: r.id, rotatedTo: rolled.data.id, expiresAt: "2026-11-28T12:00:00.000Z" });
    expect((await json(await own(u.token, rolled.data.id))).data).toMatchObject({ rotatedFrom: r.id, expiresAt: null });
  });

  test("someone else's key answers exactly like an id that does not exist: 404 API key not found", async () => {
    const owner = await h.signUp();
    const attacker = await h.signUp();
    const k = await h.createKey(owner.token);
    const theirs = await own(attacker.token, k.id);
    const unknown = await own(attacker.token, crypto.randomUUID());
    expect([theirs.status, unknown.status]).toEqual([404, 404]);
    const expected = { success: false, code: "NOT_FOUND", error: "API key not found" };
    expect(await json(theirs)).toEqual(expected);
    expect(await json(unknown)).toEqual(expected);
    expect(theirs.headers.get("content-type")).toBe(unknown.headers.get("content-type"));
    // Revoking it fails the same way; the key is untouched.
    expect(await json(await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: attacker.token }))).toEqual(expected);
    expect((await json(await own(owner.token, k.id))).data.revokedAt).toBeNull();
    // A key is not a credential for this route, and neither is nothing; a user is not an admin.
    expect((await h.request(`/api/keys/${k.id}`, { apiKey: k.key })).status).toBe(401);
    expect((await h.request(`/api/keys/${k.id}`)).status).toBe(401);
    expect((await any(owner.token, k.id)).status).toBe(403);
  });
});

describe("GET /api/admin/api-keys/:id", () => {
  test("returns any key with its owner, as the admin list shows it; an unknown id is 404", async () => {
    const u = await h.signUp();
    const admin = await h.signUp("admin");
    const k = await h.createKey(u.token, { name: "Partner feed", quota: { limit: 10, period: "month" } });
    const res = await any(admin.token, k.id);
    expect(res.status).toBe(200);
    const body = await json(res);
    const inList = (await json(await h.request(`/api/admin/api-keys?userId=${u.user.id}`, { token: admin.token }))).data[0];
    expect(body).toEqual({ success: true, data: inList });
    expect(body.data).toMatchObject({
      id: k.id, name: "Partner feed", userId: u.user.id, userEmail: u.email,
      quota: { limit: 10, period: "month", used: 0, remaining: 10, resetAt: iso(Date.UTC(2026, 11, 1)) },
    });
    const { userId, userEmail, ...record } = body.data;
    expect(record).toEqual((await json(await own(u.token, k.id))).data);
    expect(await json(await any(admin.token, "no-such-key"))).toEqual({ success: false, code: "NOT_FOUND", error: "API key not found" });
  });
});

describe("quota state in key records", () => {
  test("used, remaining and resetAt follow the key's requests and start over in a new period", async () => {
    const u = await h.signUp();
    const admin = await h.signUp("admin");
    const k = await h.createKey(u.token, { name: "metered", quota: { limit: 3, period: "day" } });
    const quota = async () => (await json(await own(u.token, k.id))).data.quota;
    const state = (used: number, limit = 3, resetAt = MIDNIGHT) => ({
      limit, period: "day", used, remaining: Math.max(0, limit - used), resetAt: iso(resetAt),
    });
    expect((k as any).quota).toEqual(state(0)); // the creation answer carries it too
    expect(await quota()).toEqual(state(0));

    expect((await article(k.key)).status).toBe(200);
    expect((await article(k.key)).status).toBe(200);
    expect(await quota()).toEqual(state(2));
    // A failed request gives its unit back.
    expect((await article(k.key, `/api/v1/articles/${crypto.randomUUID()}`)).status).toBe(404);
    expect(await quota()).toEqual(state(2));
    // Every record of the key says the same: the lists, the admin read.
    expect((await listed(u.token, k.id)).quota).toEqual(state(2));
    expect((await json(await any(admin.token, k.id))).data.quota).toEqual(state(2));
    expect((await json(await h.request("/api/admin/api-keys", { token: admin.token }))).data[0].quota).toEqual(state(2));

    expect((await article(k.key)).status).toBe(200);
    expect((await article(k.key)).status).toBe(429);
    expect(await quota()).toEqual(state(3));
    // An admin lowers the limit below what was used: nothing is left, nothing goes negative.
    const put = await json(await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { quota: { limit: 2, period: "day" } } }));
    expect(put.data.quota).toEqual({ limit: 2, period: "day", used: 3, remaining: 0, resetAt: iso(MIDNIGHT) });

    // A new day: the stored row is from yesterday, so the record reads 0 before any request of today.
    h.clock.set(MIDNIGHT);
    const row = () => h.core.deps.db.select().from(keyQuotaUsage).where(eq(keyQuotaUsage.keyId, k.id)).get();
    expect(row()).toEqual({ keyId: k.id, periodStart: Date.UTC(2026, 10, 28), used: 3 });
    expect(await quota()).toEqual(state(0, 2, Date.UTC(2026, 10, 30)));
    expect((await article(k.key)).status).toBe(200);
    expect(await quota()).toEqual(state(1, 2, Date.UTC(2026, 10, 30)));

    // A roll carries the spend over to the successor, and its record says so.
    const rolled = await json(await h.request(`/api/keys/${k.id}/roll`, { method: "POST", token: u.token, json: { gracePeriodSeconds: 60 } }));
    expect(rolled.data.quota).toEqual(state(1, 2, Date.UTC(2026, 10, 30)));
    expect((await json(await own(u.token, rolled.data.id))).data.quota).toEqual(state(1, 2, Date.UTC(2026, 10, 30)));
    // Cleared: back to null, like a key that never had one.
    await h.request(`/api/admin/api-keys/${rolled.data.id}`, { method: "PUT", token: admin.token, json: { quota: null } });
    expect((await json(await own(u.token, rolled.data.id))).data.quota).toBeNull();
  });

  test("a monthly quota resets on the 1st (UTC); keys without a quota stay quota: null", async () => {
    const u = await h.signUp();
    const monthly = await h.createKey(u.token, { name: "monthly", quota: { limit: 100, period: "month" } });
    const plain = await h.createKey(u.token, { name: "plain" });
    await article(monthly.key);
    await article(plain.key);
    const DEC = Date.UTC(2026, 11, 1);
    expect((await json(await own(u.token, monthly.id))).data.quota).toEqual({ limit: 100, period: "month", used: 1, remaining: 99, resetAt: iso(DEC) });
    expect((await json(await own(u.token, plain.id))).data.quota).toBeNull();
    h.clock.set(DEC - 1);
    expect((await json(await own(u.token, monthly.id))).data.quota.used).toBe(1);
    h.clock.set(DEC);
    expect((await json(await own(u.token, monthly.id))).data.quota).toEqual({
      limit: 100, period: "month", used: 0, remaining: 100, resetAt: iso(Date.UTC(2027, 0, 1)),
    });
    expect(h.core.deps.db.select().from(keyQuotaUsage).all().map((r) => r.keyId)).toEqual([monthly.id]);
  });
});

describe("keys.get and admin.apiKeys.get over tRPC", () => {
  test("answer what the REST routes answer, with Dates as Dates; someone else's key is NOT_FOUND like an unknown one", async () => {
    const srv = listen(h);
    try {
      const u = await h.signUp();
      const other = await h.signUp();
      const admin = await h.signUp("admin");
      const k = await h.createKey(u.token, { name: "typed", quota: { limit: 5, period: "day" } });
      await article(k.key);
      const owner = createArgusClient({ url: srv.url, token: u.token });
      const got = await owner.keys.get.query({ id: k.id });
      expect(got.quota).toEqual({ limit: 5, period: "day", used: 1, remaining: 4, resetAt: new Date(MIDNIGHT) });
      expect(got.createdAt).toBeInstanceOf(Date);
      expect(asJson(got)).toEqual((await json(await own(u.token, k.id))).data);

      const anyKey = await createArgusClient({ url: srv.url, token: admin.token }).admin.apiKeys.get.query({ id: k.id });
      expect(anyKey).toMatchObject({ userId: u.user.id, userEmail: u.email });
      expect(asJson(anyKey)).toEqual((await json(await any(admin.token, k.id))).data);

      const stranger = createArgusClient({ url: srv.url, token: other.token });
      const failure = (p: Promise<unknown>) => p.then(() => null, (e) => ({ code: e.data?.code, httpStatus: e.data?.httpStatus, message: e.message }));
      const notFound = { code: "NOT_FOUND", httpStatus: 404, message: "API key not found" };
      expect(await failure(stranger.keys.get.query({ id: k.id }))).toEqual(notFound);
      expect(await failure(stranger.keys.get.query({ id: crypto.randomUUID() }))).toEqual(notFound);
      expect((await failure(stranger.admin.apiKeys.get.query({ id: k.id })))?.code).toBe("FORBIDDEN");
    } finally {
      srv.stop();
    }
  });
});
