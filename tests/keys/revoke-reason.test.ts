import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { apiKeys } from "../../db/schema.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const row = (id: string) => h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()!;

describe("DELETE /api/keys/:id with a reason", () => {
  test("records the reason and time; the key is listed only with includeRevoked=true", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const live = await h.createKey(u.token, { name: "still live" });
    h.clock.advance(5_000);
    const res = await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token, json: { reason: "  rotated by hand " } });
    expect(await json(res)).toEqual({ success: true, data: null, message: "API key revoked" });

    const plain = await json(await h.request("/api/keys", { token: u.token }));
    expect(plain.data.map((r: any) => r.id)).toEqual([live.id]);
    expect(plain.data[0]).toMatchObject({ revokedAt: null, revokedReason: null });

    const all = await json(await h.request("/api/keys?includeRevoked=true", { token: u.token }));
    expect(all.data.map((r: any) => r.id).sort()).toEqual([k.id, live.id].sort());
    const revoked = all.data.find((r: any) => r.id === k.id);
    expect(revoked).toMatchObject({ isActive: false, revokedAt: "2026-11-28T12:00:05.000Z", revokedReason: "rotated by hand" });
    expect(revoked).not.toHaveProperty("key");
    expect(row(k.id).revokedReason).toBe("rotated by hand");
  });

  test("works with no body and no content type: revoked, reason null", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const res = await h.app.request(`/api/keys/${k.id}`, { method: "DELETE", headers: { authorization: `Bearer ${u.token}` } });
    expect(res.status).toBe(200);
    expect(row(k.id)).toMatchObject({ revokedReason: null, revokedAt: new Date(h.clock.now()) });
    const again = await h.request("/api/auth/me", { apiKey: k.key });
    expect((await json(again)).error).toBe("API key has been revoked");
  });

  test("an empty body sent with a JSON content type is no body: revoked, reason null", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const res = await h.request(`/api/keys/${k.id}`, {
      method: "DELETE", token: u.token, headers: { "content-type": "application/json" }, body: "",
    });
    expect(await json(res)).toEqual({ success: true, data: null, message: "API key revoked" });
    expect(row(k.id)).toMatchObject({ revokedReason: null, revokedAt: new Date(h.clock.now()) });
    expect((await json(await h.request("/api/auth/me", { apiKey: k.key }))).error).toBe("API key has been revoked");
  });

  test("revoking a revoked key again is 404 API key not found; the first time and reason stay", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token, json: { reason: "first" } });
    h.clock.advance(1_000);
    const again = await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token, json: { reason: "second" } });
    expect(again.status).toBe(404);
    expect(await json(again)).toEqual({ success: false, error: "API key not found", code: "NOT_FOUND" });
    expect(row(k.id)).toMatchObject({ revokedReason: "first", revokedAt: new Date(h.clock.now() - 1_000) });
  });

  test("a bad reason or an unknown field is a 400 and revokes nothing", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    for (const body of [{ reason: "" }, { reason: "x".repeat(201) }, { reason: 7 }, { why: "x" }]) {
      const res = await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token, json: body });
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ success: false, code: "BAD_REQUEST" });
    }
    expect(row(k.id).revokedAt).toBeNull();
  });

  test("includeRevoked must be true or false", async () => {
    const u = await h.signUp();
    const res = await h.request("/api/keys?includeRevoked=yes", { token: u.token });
    expect(res.status).toBe(400);
    expect((await json(res)).details[0].field).toBe("includeRevoked");
  });

  test("admins see revoked keys with includeRevoked=true too", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token, json: { reason: "done" } });
    const plain = await json(await h.request(`/api/admin/api-keys?userId=${u.user.id}`, { token: admin.token }));
    expect(plain.data).toEqual([]);
    const all = await json(await h.request(`/api/admin/api-keys?userId=${u.user.id}&includeRevoked=true`, { token: admin.token }));
    expect(all.data).toHaveLength(1);
    expect(all.data[0]).toMatchObject({ id: k.id, revokedReason: "done", userEmail: u.email });
  });
});

describe("tRPC keys.revoke and keys.list", () => {
  test("carry the reason and includeRevoked like REST", async () => {
    const srv = listen(h);
    try {
      const u = await h.signUp();
      const client = createArgusClient({ url: srv.url, token: u.token });
      const k = await client.keys.create.mutate({ name: "t" });
      expect(await client.keys.revoke.mutate({ id: k.id, reason: "no longer used" })).toEqual({ success: true });
      expect((await client.keys.list.query()).items).toEqual([]);
      const all = await client.keys.list.query({ includeRevoked: true });
      expect(all.items).toHaveLength(1);
      expect(all.items[0]).toMatchObject({ id: k.id, revokedReason: "no longer used" });
      expect(all.items[0]!.revokedAt).toBeInstanceOf(Date);
      const other = await client.keys.create.mutate({ name: "u" });
      await client.keys.revoke.mutate({ id: other.id });
      expect(row(other.id)).toMatchObject({ revokedReason: null });
    } finally {
      srv.stop();
    }
  });
});
