import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { apiKeys } from "../../db/schema.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";
import { codeOf } from "../support/trpc.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const me = (key: string) => h.request("/api/auth/me", { apiKey: key });
const roll = (id: string, token: string, json?: unknown) =>
  h.request(`/api/keys/${id}/roll`, { method: "POST", token, ...(json === undefined ? {} : { json }) });

/** A user with a key that carries every setting a roll must copy. */
async function richKey() {
  const admin = await h.signUp("admin");
  const u = await h.signUp();
  const k = await h.createKey(u.token, { name: "sync", meta: { team: "ops" }, allowedIps: ["0.0.0.0/0", "::/0"], quota: { limit: 500, period: "day" } });
  await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { rateLimit: 7 } });
  return { admin, u, k };
}

describe("POST /api/keys/:id/roll", () => {
  test("mints a new key with the same settings, shown once, and links the two", async () => {
    const { u, k } = await richKey();
    h.clock.advance(1_000);
    const res = await roll(k.id, u.token, { gracePeriodSeconds: 60 });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.message).toBe("API key created. Save it now - it cannot be retrieved again.");
    const fresh = body.data;
    expect(fresh.key).toMatch(/^argus_[0-9a-f]{32}$/);
    expect(fresh.key).not.toBe(k.key);
    expect(fresh).toMatchObject({
      name: "sync", scopes: ["articles:read"], rateLimit: 7, meta: { team: "ops" }, allowedIps: ["0.0.0.0/0", "::/0"],
      quota: { limit: 500, period: "day" }, rotatedFrom: k.id, rotatedTo: null, expiresAt: null, isActive: true,
      createdAt: "2026-11-28T12:00:01.000Z", keyPrefix: fresh.key.slice(0, 8), lastFour: fresh.key.slice(-4),
    });
    expect(fresh.previous).toMatchObject({ id: k.id, rotatedTo: fresh.id, expiresAt: "2026-11-28T12:01:01.000Z", revokedAt: null });

    const list = await json(await h.request("/api/keys", { token: u.token }));
    expect(list.data.map((r: any) => [r.id, r.rotatedTo, r.rotatedFrom])).toEqual([
      [fresh.id, null, k.id],
      [k.id, fresh.id, null],
    ]);
    expect(list.data[1].expiresAt).toBe("2026-11-28T12:01:01.000Z");
    expect(JSON.stringify(list)).not.toContain(fresh.key);
  });

  test("the old key works until grace - 1 ms and fails with 401 'API key has been rotated' at grace", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const fresh = (await json(await roll(k.id, u.token, { gracePeriodSeconds: 30 }))).data;
    h.clock.advance(29_999);
    expect((await me(k.key)).status).toBe(200);
    h.clock.advance(1);
    const dead = await me(k.key);
    expect(dead.status).toBe(401);
    expect(await json(dead)).toEqual({ success: false, error: "API key has been rotated", code: "UNAUTHORIZED" });
    expect((await me(fresh.key)).status).toBe(200);
    // After the overlap only the new key is listed; includeRevoked shows the rotated one too.
    expect((await json(await h.request("/api/keys", { token: u.token }))).data.map((r: any) => r.id)).toEqual([fresh.id]);
    const all = await json(await h.request("/api/keys?includeRevoked=true", { token: u.token }));
    expect(all.data.map((r: any) => r.id).sort()).toEqual([k.id, fresh.id].sort());
  });

  test("no body means no grace: the old key fails at once", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const res = await h.app.request(`/api/keys/${k.id}/roll`, { method: "POST", headers: { authorization: `Bearer ${u.token}` } });
    expect(res.status).toBe(201);
    expect((await json(await me(k.key))).error).toBe("API key has been rotated");
    expect((await me((await json(res)).data.key)).status).toBe(200);
  });

  test("an empty body sent with a JSON content type is no body, on the user's and the admin's roll", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const empty = { headers: { "content-type": "application/json" }, body: "" };
    for (const [path, token] of [["/api/keys", u.token], ["/api/admin/api-keys", admin.token]] as const) {
      const k = await h.createKey(u.token);
      const res = await h.request(`${path}/${k.id}/roll`, { method: "POST", token, ...empty });
      expect(res.status).toBe(201);
      expect((await json(res)).data).toMatchObject({ rotatedFrom: k.id, previous: { id: k.id, rotatedTo: expect.any(String) } });
      expect((await json(await me(k.key))).error).toBe("API key has been rotated");
    }
  });

  test("rolling a rolled key is a 409, in its grace period and after; its successor rolls", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const fresh = (await json(await roll(k.id, u.token, { gracePeriodSeconds: 60 }))).data;
    const again = await roll(k.id, u.token, { gracePeriodSeconds: 60 });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ success: false, code: "CONFLICT" });
    h.clock.advance(61_000);
    expect((await roll(k.id, u.token)).status).toBe(409);
    expect((await roll(fresh.id, u.token)).status).toBe(201);
    expect(h.core.deps.db.select().from(apiKeys).all()).toHaveLength(3);
  });

  test("keeps an earlier expiry of the old key; a deactivated key rolls into a deactivated one", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const k = await h.createKey(u.token, { name: "e", expiresAt: "2026-11-28T12:00:10.000Z" });
    const fresh = (await json(await roll(k.id, u.token, { gracePeriodSeconds: 3600 }))).data;
    expect(fresh.previous.expiresAt).toBe("2026-11-28T12:00:10.000Z");
    await h.request(`/api/admin/api-keys/${fresh.id}`, { method: "PUT", token: admin.token, json: { isActive: false } });
    const next = (await json(await roll(fresh.id, u.token))).data;
    expect(next.isActive).toBe(false);
    expect((await json(await me(next.key))).error).toBe("API key is deactivated");
  });

  test("bad grace periods are 400s and change nothing; someone else's, revoked or unknown keys are 404s", async () => {
    const u = await h.signUp();
    const other = await h.signUp();
    const k = await h.createKey(u.token);
    for (const body of [{ gracePeriodSeconds: -1 }, { gracePeriodSeconds: 2_592_001 }, { gracePeriodSeconds: 1.5 }, { gracePeriodSeconds: "60" }, { grace: 60 }]) {
      const res = await roll(k.id, u.token, body);
      expect(res.status).toBe(400);
      expect((await json(res)).code).toBe("BAD_REQUEST");
    }
    expect((await roll(k.id, u.token, { gracePeriodSeconds: 2_592_000 })).status).toBe(201);
    const r = await h.createKey(u.token, { name: "r" });
    await h.request(`/api/keys/${r.id}`, { method: "DELETE", token: u.token });
    expect((await roll(r.id, u.token)).status).toBe(404);
    const mine = await h.createKey(u.token, { name: "m" });
    expect((await roll(mine.id, other.token)).status).toBe(404);
    expect((await roll(crypto.randomUUID(), u.token)).status).toBe(404);
    expect((await h.request(`/api/keys/${mine.id}/roll`, { method: "POST", apiKey: mine.key })).status).toBe(401);
    expect(h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, mine.id)).get()!.rotatedTo).toBeNull();
  });

  test("an admin rolls anyone's key with POST /api/admin/api-keys/:id/roll; a user may not", async () => {
    const { admin, u, k } = await richKey();
    expect((await h.request(`/api/admin/api-keys/${k.id}/roll`, { method: "POST", token: u.token, json: {} })).status).toBe(403);
    const res = await h.request(`/api/admin/api-keys/${k.id}/roll`, { method: "POST", token: admin.token, json: { gracePeriodSeconds: 5 } });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.message).toBe("API key created. Save it now - it cannot be retrieved again.");
    expect(body.data).toMatchObject({ rotatedFrom: k.id, rateLimit: 7, meta: { team: "ops" } });
    const owned = await json(await h.request("/api/keys", { token: u.token }));
    expect(owned.data.map((r: any) => r.id)).toContain(body.data.id);
  });
});

describe("rolls and the per-user key cap", () => {
  test("a roll at the cap is allowed; once the overlap ends the old key no longer counts against the cap", async () => {
    await h.close();
    h = await createHarness({ maxKeysPerUser: 2 });
    const u = await h.signUp();
    const a = await h.createKey(u.token, { name: "a" });
    await h.createKey(u.token, { name: "b" });
    expect((await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "c" } })).status).toBe(409);
    expect((await roll(a.id, u.token, { gracePeriodSeconds: 10 })).status).toBe(201);
    expect((await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "c" } })).status).toBe(409);
    h.clock.advance(10_000);
    expect((await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "c" } })).status).toBe(409);
    await h.request(`/api/keys/${(await json(await h.request("/api/keys", { token: u.token }))).data.find((k: any) => k.name === "b").id}`, { method: "DELETE", token: u.token });
    expect((await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "c" } })).status).toBe(201);
  });
});

describe("tRPC keys.roll and admin.apiKeys.roll", () => {
  test("roll like REST, with the same conflict", async () => {
    const srv = listen(h);
    try {
      const admin = await h.signUp("admin");
      const u = await h.signUp();
      const client = createArgusClient({ url: srv.url, token: u.token });
      const k = await client.keys.create.mutate({ name: "t", meta: { a: 1 } });
      const fresh = await client.keys.roll.mutate({ id: k.id, gracePeriodSeconds: 10 });
      expect(fresh).toMatchObject({ name: "t", meta: { a: 1 }, rotatedFrom: k.id });
      expect(fresh.previous.expiresAt).toEqual(new Date(h.clock.now() + 10_000));
      expect(await codeOf(client.keys.roll.mutate({ id: k.id }))).toBe("CONFLICT");
      const adminClient = createArgusClient({ url: srv.url, token: admin.token });
      const byAdmin = await adminClient.admin.apiKeys.roll.mutate({ id: fresh.id });
      expect(byAdmin.rotatedFrom).toBe(fresh.id);
      expect(await codeOf(client.admin.apiKeys.roll.mutate({ id: byAdmin.id }))).toBe("FORBIDDEN");
    } finally {
      srv.stop();
    }
  });
});
