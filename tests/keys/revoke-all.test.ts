import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { apiKeys } from "../../db/schema.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";
import { codeOf } from "../support/trpc.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// A key minted with a stolen session outlives a password change and "log out everywhere" unless revoked too.
let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const me = (apiKey: string) => h.request("/api/auth/me", { apiKey });
const revokedAt = (userId: string) =>
  h.core.deps.db.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.userId, userId)).all().map((r) => r.revokedAt);

/** A user with three keys (each used once, so the key cache holds them) and a bystander with one. */
async function setup() {
  const u = await h.signUp();
  const keys = [await h.createKey(u.token), await h.createKey(u.token), await h.createKey(u.token)];
  for (const k of keys) expect((await me(k.key)).status).toBe(200);
  const other = await h.signUp();
  const otherKey = await h.createKey(other.token);
  return { u, keys, other, otherKey };
}

async function expectRevoked(keys: { key: string }[]) {
  for (const k of keys) {
    const res = await me(k.key);
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ code: "UNAUTHORIZED", error: "API key has been revoked" });
  }
}

describe("DELETE /api/keys", () => {
  test("revokes every one of the caller's keys at once, and nobody else's", async () => {
    const { u, keys, other, otherKey } = await setup();
    const res = await h.request("/api/keys", { method: "DELETE", token: u.token });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ success: true, data: { revoked: 3 }, message: "3 API key(s) revoked" });
    await expectRevoked(keys);
    expect(revokedAt(u.user.id)).toEqual([expect.any(Date), expect.any(Date), expect.any(Date)]);
    expect((await json(await h.request("/api/keys", { token: u.token }))).data).toEqual([]);
    expect((await me(otherKey.key)).status).toBe(200);
    expect(revokedAt(other.user.id)).toEqual([null]);
    // Nothing left: a second call revokes nothing and still succeeds.
    expect((await json(await h.request("/api/keys", { method: "DELETE", token: u.token }))).data).toEqual({ revoked: 0 });
  });

  test("takes a JWT only: an API key cannot revoke keys", async () => {
    const { u, keys } = await setup();
    const res = await h.request("/api/keys", { method: "DELETE", apiKey: keys[0]!.key });
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ code: "UNAUTHORIZED", error: "This route requires a JWT; API keys cannot be used here" });
    expect((await h.request("/api/keys", { method: "DELETE" })).status).toBe(401);
    expect(revokedAt(u.user.id)).toEqual([null, null, null]);
  });
});

describe("revokeKeys: true with a password change or logout everywhere", () => {
  test("PUT /api/auth/password with revokeKeys revokes every key; without it the keys keep working", async () => {
    const { u, keys, otherKey } = await setup();
    const keep = await h.request("/api/auth/password", {
      method: "PUT", token: u.token, json: { currentPassword: u.password, newPassword: "second password" },
    });
    expect(keep.status).toBe(200);
    for (const k of keys) expect((await me(k.key)).status).toBe(200);

    const fresh = (await json(keep)).data.token;
    const res = await h.request("/api/auth/password", {
      method: "PUT", token: fresh, json: { currentPassword: "second password", newPassword: "third password", revokeKeys: true },
    });
    expect(res.status).toBe(200);
    await expectRevoked(keys);
    expect((await me(otherKey.key)).status).toBe(200);
  });

  test("a wrong current password with revokeKeys changes nothing", async () => {
    const { u, keys } = await setup();
    const res = await h.request("/api/auth/password", {
      method: "PUT", token: u.token, json: { currentPassword: "not the password", newPassword: "third password", revokeKeys: true },
    });
    expect(res.status).toBe(401);
    for (const k of keys) expect((await me(k.key)).status).toBe(200);
  });

  test("POST /api/auth/logout-all with { revokeKeys: true } ends sessions and keys", async () => {
    const { u, keys, otherKey } = await setup();
    const res = await h.request("/api/auth/logout-all", { method: "POST", token: u.token, json: { revokeKeys: true } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ success: true, data: null, message: "Logged out everywhere; 3 API key(s) revoked" });
    expect((await h.request("/api/auth/me", { token: u.token })).status).toBe(401);
    await expectRevoked(keys);
    expect((await me(otherKey.key)).status).toBe(200);
  });

  test("POST /api/auth/logout-all still works with no body, no content type, or an empty JSON body; keys stay", async () => {
    const { keys } = await setup();
    const bodies: RequestInit[] = [
      {},
      { headers: { "content-type": "application/json" } },
      { headers: { "content-type": "application/json" }, body: "" },
      { json: {} } as RequestInit,
      { json: { revokeKeys: false } } as RequestInit,
    ];
    for (const init of bodies) {
      const u = await h.signUp();
      const res = await h.request("/api/auth/logout-all", { method: "POST", token: u.token, ...init });
      expect(await json(res)).toEqual({ success: true, data: null, message: "Logged out everywhere" });
      expect((await h.request("/api/auth/me", { token: u.token })).status).toBe(401);
    }
    for (const k of keys) expect((await me(k.key)).status).toBe(200);
  });

  test("a malformed revokeKeys is a 400 that changes nothing", async () => {
    const { u, keys } = await setup();
    const res = await h.request("/api/auth/logout-all", { method: "POST", token: u.token, json: { revokeKeys: "yes" } });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ code: "BAD_REQUEST", details: [{ field: "revokeKeys" }] });
    expect((await h.request("/api/auth/me", { token: u.token })).status).toBe(200);
    for (const k of keys) expect((await me(k.key)).status).toBe(200);
  });
});

describe("a misspelt revokeKeys is refused, not ignored", () => {
  test("PUT /api/auth/password and POST /api/auth/logout-all answer 400 naming the field; sessions and keys stay", async () => {
    const { u, keys } = await setup();
    const change = { currentPassword: u.password, newPassword: "an even better one", revoke_keys: true };
    const calls: [string, string, unknown][] = [
      ["/api/auth/password", "PUT", change], ["/api/auth/logout-all", "POST", { revokekeys: true }],
    ];
    for (const [path, method, body] of calls) {
      const res = await h.request(path, { method, token: u.token, json: body });
      expect(res.status).toBe(400);
      const answer = await json(res);
      expect(answer).toMatchObject({ success: false, code: "BAD_REQUEST", details: [{ field: "(body)" }] });
      expect(answer.details[0].message).toMatch(/revoke_?keys/);
    }
    expect((await h.request("/api/auth/me", { token: u.token })).status).toBe(200);
    for (const k of keys) expect((await me(k.key)).status).toBe(200);
    const login = await h.request("/api/auth/login", { method: "POST", json: { email: u.email, password: u.password } });
    expect(login.status).toBe(200); // the password did not change
  });
});

describe("tRPC: keys.revokeAll, auth.logoutAll and auth.changePassword with revokeKeys", () => {
  test("the same outcomes as REST", async () => {
    const srv = listen(h);
    try {
      const a = await setup();
      const client = (token: string) => createArgusClient({ url: srv.url, token });
      expect(await client(a.u.token).keys.revokeAll.mutate()).toEqual({ success: true, revoked: 3 });
      await expectRevoked(a.keys);
      expect(await codeOf(createArgusClient({ url: srv.url, apiKey: a.otherKey.key }).keys.revokeAll.mutate())).toBe("UNAUTHORIZED");

      const b = await setup();
      expect(await client(b.u.token).auth.logoutAll.mutate({ revokeKeys: true })).toEqual({ success: true, revokedKeys: 3 });
      await expectRevoked(b.keys);

      const c = await setup();
      const session = await client(c.u.token).auth.changePassword.mutate({
        currentPassword: c.u.password, newPassword: "third password", revokeKeys: true,
      });
      expect(session.user.id).toBe(c.u.user.id);
      await expectRevoked(c.keys);
      expect((await me(c.otherKey.key)).status).toBe(200);
    } finally {
      srv.stop();
    }
  });
});
