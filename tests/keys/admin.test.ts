import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { apiKeys } from "../../db/schema.ts";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;

describe("admin API key management", () => {
  test("GET /api/admin/api-keys lists every user's keys with userId and userEmail", async () => {
    const admin = await h.signUp("admin");
    const a = await h.signUp();
    const b = await h.signUp();
    await h.createKey(a.token, { name: "a1" });
    h.clock.advance(1);
    await h.createKey(b.token, { name: "b1" });
    const body = await json(await h.request("/api/admin/api-keys", { token: admin.token }));
    expect(body.data.map((k: any) => [k.name, k.userEmail])).toEqual([["b1", b.email], ["a1", a.email]]);
    expect(body.data[0].userId).toBe(b.user.id);
    expect(body.meta).toEqual({ nextCursor: null, hasMore: false });
    expect(JSON.stringify(body)).not.toMatch(/argus_[0-9a-f]{32}/);
  });

  test("filters by userId and isActive, and pages with a keyset cursor", async () => {
    const admin = await h.signUp("admin");
    const a = await h.signUp();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.unshift((await h.createKey(a.token, { name: `k${i}` })).id);
      h.clock.advance(1);
    }
    await h.createKey(admin.token, { name: "admin's" });
    await h.request(`/api/admin/api-keys/${ids[0]}`, { method: "PUT", token: admin.token, json: { isActive: false } });
    const filtered = await json(await h.request(`/api/admin/api-keys?userId=${a.user.id}&isActive=true`, { token: admin.token }));
    expect(filtered.data.map((k: any) => k.id)).toEqual(ids.slice(1));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/admin/api-keys?userId=${a.user.id}&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await json(await h.request(q, { token: admin.token }));
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((k: any) => k.id));
      cursor = page.meta.nextCursor;
      expect(page.meta.hasMore).toBe(cursor !== null);
    } while (cursor);
    expect(seen).toEqual(ids);
    expect((await h.request("/api/admin/api-keys?cursor=garbage!!", { token: admin.token })).status).toBe(400);
  });

  test("PUT deactivates a key at once and re-activates it at once", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    expect((await h.request("/api/auth/me", { apiKey: k.key })).status).toBe(200);
    const off = await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { isActive: false } });
    expect(off.status).toBe(200);
    expect((await json(off)).data).toMatchObject({ id: k.id, isActive: false, userId: u.user.id, userEmail: u.email });
    const denied = await h.request("/api/auth/me", { apiKey: k.key });
    expect(denied.status).toBe(401);
    expect((await json(denied)).error).toBe("API key is deactivated");
    const listed = (await json(await h.request("/api/keys", { token: u.token }))).data;
    expect(listed[0].isActive).toBe(false);
    await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { isActive: true } });
    expect((await h.request("/api/auth/me", { apiKey: k.key })).status).toBe(200);
  });

  test("PUT sets and clears a per-key rate limit, validated", async () => {
    const admin = await h.signUp("admin");
    const k = await h.createKey((await h.signUp()).token);
    const set = await json(await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { rateLimit: 5 } }));
    expect(set.data.rateLimit).toBe(5);
    const res = await h.request("/api/auth/me", { apiKey: k.key });
    expect(res.headers.get("x-ratelimit-limit")).toBe("5");
    const cleared = await json(await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { rateLimit: null } }));
    expect(cleared.data.rateLimit).toBeNull();
    for (const bad of [{ rateLimit: 0 }, { rateLimit: 100_001 }, { rateLimit: 1.5 }, { isActive: "yes" }, { other: 1 }]) {
      expect((await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: bad })).status).toBe(400);
    }
  });

  test("a PUT that sets nothing is 400 naming the fields it could set, and changes nothing", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const before = h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, k.id)).get();
    const key = await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: {} });
    expect(key.status).toBe(400);
    expect(await json(key)).toMatchObject({ code: "BAD_REQUEST", details: [{ field: "(body)", message: "must set isActive, rateLimit, meta, allowedIps or quota" }] });
    const user = await h.request(`/api/admin/users/${u.user.id}`, { method: "PUT", token: admin.token, json: {} });
    expect(user.status).toBe(400);
    expect((await json(user)).details).toEqual([{ field: "(body)", message: "must set role, isActive or rateLimit" }]);
    expect(h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, k.id)).get()).toEqual(before);
  });

  test("tRPC admin.apiKeys.update with its only field as superjson undefined is BAD_REQUEST, not a 500", async () => {
    const srv = listen(h);
    try {
      const admin = await h.signUp("admin");
      const k = await h.createKey((await h.signUp()).token);
      const client = createArgusClient({ url: srv.url, token: admin.token });
      for (const data of [{ isActive: undefined }, { rateLimit: undefined }, {}]) {
        const err = await client.admin.apiKeys.update.mutate({ id: k.id, data }).then(() => null, (e) => e);
        expect(err?.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
        expect(err.message).toBe("Validation failed");
      }
      const err = await client.admin.users.update.mutate({ id: admin.user.id, data: { role: undefined } }).then(() => null, (e) => e);
      expect(err?.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
      expect(h.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    } finally {
      srv.stop();
    }
  });

  test("DELETE removes any user's key; it then fails as unknown", async () => {
    const admin = await h.signUp("admin");
    const k = await h.createKey((await h.signUp()).token);
    const res = await h.request(`/api/admin/api-keys/${k.id}`, { method: "DELETE", token: admin.token });
    expect(res.status).toBe(200);
    expect(h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, k.id)).all()).toHaveLength(0);
    expect((await json(await h.request("/api/auth/me", { apiKey: k.key }))).error).toBe("Invalid API key");
    expect((await h.request(`/api/admin/api-keys/${k.id}`, { method: "DELETE", token: admin.token })).status).toBe(404);
  });

  test("a non-admin gets 403 on every admin route, an API key 401", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const routes = [["GET", "/api/admin/api-keys"], ["PUT", `/api/admin/api-keys/${k.id}`], ["DELETE", `/api/admin/api-keys/${k.id}`],
      ["GET", "/api/admin/users"], ["PUT", `/api/admin/users/${u.user.id}`]] as const;
    for (const [method, path] of routes) {
      const json_ = method === "PUT" ? { isActive: false } : undefined;
      const res = await h.request(path, { method, token: u.token, json: json_ });
      expect(res.status).toBe(403);
      expect((await json(res)).code).toBe("FORBIDDEN");
      expect((await h.request(path, { method, apiKey: k.key, json: json_ })).status).toBe(401);
    }
    expect((await h.request("/api/auth/me", { apiKey: k.key })).status).toBe(200);
  });
});

describe("admin user management", () => {
  test("deactivating a user cuts off their JWTs and keys at once; re-activating restores keys", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    expect((await h.request("/api/auth/me", { apiKey: k.key })).status).toBe(200);
    const res = await h.request(`/api/admin/users/${u.user.id}`, { method: "PUT", token: admin.token, json: { isActive: false } });
    expect((await json(res)).data).toMatchObject({ id: u.user.id, isActive: false });
    expect((await h.request("/api/auth/me", { token: u.token })).status).toBe(401);
    const keyRes = await h.request("/api/auth/me", { apiKey: k.key });
    expect(keyRes.status).toBe(401);
    expect((await json(keyRes)).error).toBe("Account is deactivated");
    await h.request(`/api/admin/users/${u.user.id}`, { method: "PUT", token: admin.token, json: { isActive: true } });
    expect((await h.request("/api/auth/me", { apiKey: k.key })).status).toBe(200);
  });

  test("the last active admin cannot deactivate or demote themself (409)", async () => {
    const admin = await h.signUp("admin");
    for (const patch of [{ isActive: false }, { role: "user" }]) {
      const res = await h.request(`/api/admin/users/${admin.user.id}`, { method: "PUT", token: admin.token, json: patch });
      expect(res.status).toBe(409);
      expect((await json(res)).code).toBe("CONFLICT");
    }
    const second = await h.signUp("admin");
    const ok = await h.request(`/api/admin/users/${admin.user.id}`, { method: "PUT", token: second.token, json: { role: "user" } });
    expect(ok.status).toBe(200);
    expect((await h.request("/api/admin/users", { token: admin.token })).status).toBe(403);
  });

  test("GET /api/admin/users lists users newest first without hashes", async () => {
    const admin = await h.signUp("admin");
    h.clock.advance(1);
    const u = await h.signUp();
    const body = await json(await h.request("/api/admin/users", { token: admin.token }));
    expect(body.data.map((x: any) => x.id)).toEqual([u.user.id, admin.user.id]);
    expect(JSON.stringify(body)).not.toContain("argon2");
    expect((await h.request(`/api/admin/users/${crypto.randomUUID()}`, { method: "PUT", token: admin.token, json: { role: "admin" } })).status).toBe(404);
  });
});
