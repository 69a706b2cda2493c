import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { apiKeys, users } from "../../db/schema.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const keyRow = (id: string) => h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()!;

describe("GET /api/admin/users", () => {
  test("paging with limit=1 visits every user exactly once, with nextCursor and hasMore right on each page", async () => {
    const admin = await h.signUp("admin");
    // Two sign-ups share a millisecond, so the id tie-break is exercised too.
    await h.signUp();
    await h.signUp();
    h.clock.advance(1000);
    await h.signUp();
    h.clock.advance(1000);
    await h.signUp("admin");
    // Newest first, ties by id (descending), exactly as stored.
    const all = h.core.deps.db.select({ id: users.id, at: users.createdAt }).from(users).all()
      .sort((x, y) => y.at.getTime() - x.at.getTime() || (x.id < y.id ? 1 : -1)).map((r) => r.id);
    expect(all).toHaveLength(5);

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res = await h.request(`/api/admin/users?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: admin.token });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.success).toBe(true);
      expect(body.data).toHaveLength(1);
      expect(body.data[0]).not.toHaveProperty("passwordHash");
      seen.push(body.data[0].id);
      const last = seen.length === all.length;
      expect(body.meta.hasMore).toBe(!last);
      if (last) {
        expect(body.meta.nextCursor).toBeNull();
        break;
      }
      expect(typeof body.meta.nextCursor).toBe("string");
      cursor = body.meta.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(all);
  });

  test("?role=superuser is 400 naming role", async () => {
    const admin = await h.signUp("admin");
    const res = await h.request("/api/admin/users?role=superuser", { token: admin.token });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body).toMatchObject({ success: false, code: "BAD_REQUEST" });
    expect(body.details.map((d: any) => d.field)).toEqual(["role"]);
  });

  test("?role=admin lists only the admins", async () => {
    const admin = await h.signUp("admin");
    await h.signUp();
    const second = await h.signUp("admin");
    await h.signUp();
    const body = await json(await h.request("/api/admin/users?role=admin", { token: admin.token }));
    expect(body.data.map((u: any) => u.id).sort()).toEqual([admin.user.id, second.user.id].sort());
    expect(body.data.every((u: any) => u.role === "admin")).toBe(true);
    expect(body.meta).toEqual({ nextCursor: null, hasMore: false });
    const dbAdmins = h.core.deps.db.select({ id: users.id }).from(users).where(eq(users.role, "admin")).all();
    expect(dbAdmins).toHaveLength(2);
  });
});

describe("GET /api/admin/api-keys", () => {
  test("?isActive=false lists only the deactivated keys, ?isActive=true only the others", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const [a, b, c] = [await h.createKey(u.token, { name: "a" }), await h.createKey(u.token, { name: "b" }), await h.createKey(admin.token, { name: "c" })];
    for (const id of [a.id, c.id]) {
      expect((await h.request(`/api/admin/api-keys/${id}`, { method: "PUT", token: admin.token, json: { isActive: false } })).status).toBe(200);
    }
    expect(keyRow(a.id).isActive).toBe(false);
    expect(keyRow(b.id).isActive).toBe(true);

    const inactive = await json(await h.request("/api/admin/api-keys?isActive=false", { token: admin.token }));
    expect(inactive.data.map((k: any) => k.id).sort()).toEqual([a.id, c.id].sort());
    for (const k of inactive.data) expect(k.isActive).toBe(false);
    const byId = Object.fromEntries(inactive.data.map((k: any) => [k.id, k]));
    expect(byId[a.id]).toMatchObject({ userId: u.user.id, userEmail: u.email, name: "a" });
    expect(byId[c.id]).toMatchObject({ userId: admin.user.id, userEmail: admin.email, name: "c" });
    expect(JSON.stringify(inactive)).not.toContain(a.key);

    const active = await json(await h.request("/api/admin/api-keys?isActive=true", { token: admin.token }));
    expect(active.data.map((k: any) => k.id)).toEqual([b.id]);
  });
});

describe("PUT /api/admin/api-keys/:id", () => {
  test("an unknown id is a 404 envelope", async () => {
    const admin = await h.signUp("admin");
    const res = await h.request(`/api/admin/api-keys/${crypto.randomUUID()}`, { method: "PUT", token: admin.token, json: { isActive: false } });
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ success: false, error: "API key not found", code: "NOT_FOUND" });
  });

  test("a revoked key cannot be changed or rolled (404, unchanged), though GET shows it; DELETE still removes it", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token });
    const before = keyRow(k.id);
    expect((await h.request(`/api/admin/api-keys/${k.id}`, { token: admin.token })).status).toBe(200);
    const put = await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { isActive: true, rateLimit: 5 } });
    expect(await json(put)).toEqual({ success: false, error: "API key not found", code: "NOT_FOUND" });
    const roll = await h.request(`/api/admin/api-keys/${k.id}/roll`, { method: "POST", token: admin.token });
    expect(roll.status).toBe(404);
    expect(keyRow(k.id)).toEqual(before);
    expect((await json(await h.request("/api/auth/me", { apiKey: k.key }))).error).toBe("API key has been revoked");
    expect((await h.request(`/api/admin/api-keys/${k.id}`, { method: "DELETE", token: admin.token })).status).toBe(200);
    expect(h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, k.id)).get()).toBeUndefined();
  });

  test("rateLimit 1 and 100000 are accepted and show in X-RateLimit-Limit on the key's next request", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    // The owner's ceiling (1000 by default) would be closer to empty than a 100000 key and speak in the headers.
    await h.request(`/api/admin/users/${u.user.id}`, { method: "PUT", token: admin.token, json: { rateLimit: 1_000_000 } });
    const put = (id: string, rateLimit: unknown) =>
      h.request(`/api/admin/api-keys/${id}`, { method: "PUT", token: admin.token, json: { rateLimit } });
    const latest = (apiKey: string) => h.request("/api/v1/articles/latest", { apiKey });

    const low = await h.createKey(u.token, { name: "low" });
    const lowPut = await put(low.id, 1);
    expect(lowPut.status).toBe(200);
    expect((await json(lowPut)).data).toMatchObject({ id: low.id, rateLimit: 1 });
    expect(keyRow(low.id).rateLimit).toBe(1);
    const first = await latest(low.key);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit")).toBe("1");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(first.headers.get("ratelimit-policy")).toBe('"default";q=1;w=60');
    const second = await latest(low.key);
    expect(second.status).toBe(429);
    expect(second.headers.get("x-ratelimit-limit")).toBe("1");

    const high = await h.createKey(u.token, { name: "high" });
    expect((await json(await put(high.id, 100_000))).data.rateLimit).toBe(100_000);
    expect(keyRow(high.id).rateLimit).toBe(100_000);
    const res = await latest(high.key);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100000");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("99999");
    expect(res.headers.get("ratelimit-policy")).toBe('"default";q=100000;w=60');

    for (const outside of [0, 100_001]) {
      const bad = await put(high.id, outside);
      expect(bad.status).toBe(400);
      expect((await json(bad)).details.map((d: any) => d.field)).toEqual(["rateLimit"]);
    }
    expect(keyRow(high.id).rateLimit).toBe(100_000);
  });
});
