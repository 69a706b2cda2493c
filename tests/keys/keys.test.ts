import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { apiKeys } from "../../db/schema.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const sha256 = (s: string) => new Bun.CryptoHasher("sha256").update(s).digest("hex");

describe("POST /api/keys", () => {
  test("returns the key once, in the seed page's shape and message", async () => {
    const u = await h.signUp();
    const res = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "My Integration" } });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toEqual({
      success: true,
      data: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: "My Integration", keyPrefix: body.data.key.slice(0, 8),
        lastFour: body.data.key.slice(-4), isActive: true, createdAt: "2026-11-28T12:00:00.000Z", lastUsedAt: null,
        expiresAt: null, scopes: ["articles:read"], rateLimit: null, key: expect.stringMatching(/^argus_[0-9a-f]{32}$/),
        meta: null, allowedIps: null, quota: null, revokedAt: null, revokedReason: null, rotatedTo: null, rotatedFrom: null,
      },
      message: "API key created. Save it now - it cannot be retrieved again.",
    });
  });

  test("stores only the SHA-256 digest of the key, never the plaintext", async () => {
    const u = await h.signUp();
    const { id, key } = await h.createKey(u.token);
    const row = h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()!;
    expect(row.keyHash).toBe(sha256(key));
    const dump = JSON.stringify(h.core.deps.db.$client.query("SELECT * FROM api_keys").all());
    expect(dump).not.toContain(key.slice(6));
  });

  test("validates name, expiresAt and scopes, and writes nothing on failure", async () => {
    const u = await h.signUp();
    const cases: [Record<string, unknown>, string][] = [
      [{}, "name"], [{ name: "" }, "name"], [{ name: "x".repeat(101) }, "name"],
      [{ name: "k", expiresAt: "2020-01-01T00:00:00Z" }, "expiresAt"], [{ name: "k", scopes: ["everything"] }, "scopes.0"],
      [{ name: "k", expiresAt: "not a date" }, "expiresAt"],
    ];
    for (const [body, field] of cases) {
      const res = await h.request("/api/keys", { method: "POST", token: u.token, json: body });
      expect(res.status).toBe(400);
      const answer = await json(res);
      expect(answer).toMatchObject({ success: false, code: "BAD_REQUEST" });
      expect(answer.details.map((d: any) => d.field)).toContain(field);
    }
    expect(h.core.deps.db.select().from(apiKeys).all()).toHaveLength(0);
  });

  test("an unknown field (a misspelt allowedIps or expiresAt) is a 400 naming it, and mints no unfenced key", async () => {
    const u = await h.signUp();
    for (const body of [{ name: "k", allowedIPs: ["203.0.113.0/24"] }, { name: "k", expires_at: "2030-01-01T00:00:00Z" }]) {
      const res = await h.request("/api/keys", { method: "POST", token: u.token, json: body });
      expect(res.status).toBe(400);
      const answer = await json(res);
      expect(answer).toMatchObject({ success: false, code: "BAD_REQUEST", error: "Validation failed" });
      expect(answer.details[0].message).toContain(Object.keys(body)[1]!);
    }
    expect(h.core.deps.db.select().from(apiKeys).all()).toHaveLength(0);
  });

  test("only an admin may create a key with articles:write", async () => {
    const u = await h.signUp();
    const res = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "w", scopes: ["articles:write"] } });
    expect(res.status).toBe(403);
    const admin = await h.signUp("admin");
    const ok = await h.request("/api/keys", { method: "POST", token: admin.token, json: { name: "w", scopes: ["articles:read", "articles:write"] } });
    expect(ok.status).toBe(201);
    expect((await json(ok)).data.scopes).toEqual(["articles:read", "articles:write"]);
  });

  test("an API key alone cannot mint, list or revoke keys", async () => {
    const u = await h.signUp();
    const { id, key } = await h.createKey(u.token);
    for (const [method, path] of [["POST", "/api/keys"], ["GET", "/api/keys"], ["DELETE", `/api/keys/${id}`]] as const) {
      const res = await h.request(path, { method, apiKey: key, json: method === "POST" ? { name: "x" } : undefined });
      expect(res.status).toBe(401);
    }
    expect(h.core.deps.db.select().from(apiKeys).all()).toHaveLength(1);
  });

  test("a key sent beside a JWT on a JWT-only route is ignored: the JWT decides, even when the key is unknown", async () => {
    const u = await h.signUp();
    const res = await h.request("/api/keys", { token: u.token, apiKey: "argus_not-a-key" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    const keyOnly = await h.request("/api/keys", { apiKey: "argus_not-a-key" });
    expect(await json(keyOnly)).toEqual({
      success: false, error: "This route requires a JWT; API keys cannot be used here", code: "UNAUTHORIZED",
    });
  });

  test("50 concurrent creations are all persisted with distinct keys", async () => {
    const u = await h.signUp();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => h.createKey(u.token, { name: `k${i}` })));
    expect(new Set(results.map((r) => r.key)).size).toBe(50);
    expect(h.core.deps.db.select().from(apiKeys).all()).toHaveLength(50);
  });
});

describe("GET /api/keys", () => {
  test("lists own keys newest first, never the key or its digest", async () => {
    const u = await h.signUp();
    const other = await h.signUp();
    const first = await h.createKey(u.token, { name: "first" });
    h.clock.advance(1000);
    const second = await h.createKey(u.token, { name: "second" });
    await h.createKey(other.token, { name: "someone else's" });
    const body = await json(await h.request("/api/keys", { token: u.token }));
    expect(body.data.map((k: any) => k.id)).toEqual([second.id, first.id]);
    const text = JSON.stringify(body);
    expect(text).not.toContain(first.key);
    expect(text).not.toContain(sha256(first.key));
    expect(body.data[0]).not.toHaveProperty("key");
    expect(body.data[0]).not.toHaveProperty("keyHash");
  });

  test("lastUsedAt is set on use: listed at once, stored by the write-behind flush", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    h.clock.advance(5000);
    await h.request("/api/auth/me", { apiKey: k.key });
    const [listed] = (await json(await h.request("/api/keys", { token: u.token }))).data;
    expect(listed.lastUsedAt).toBe("2026-11-28T12:00:05.000Z");
    const stored = () => h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, k.id)).get()!.lastUsedAt?.toISOString();
    expect(stored()).toBeUndefined();
    await h.core.keys.flush();
    expect(stored()).toBe("2026-11-28T12:00:05.000Z");
  });

  test("lastUsedAt keeps the latest use, and pending uses are written on close", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    await h.request("/api/auth/me", { apiKey: k.key });
    await h.core.keys.flush();
    h.clock.advance(10_000);
    await h.request("/api/auth/me", { apiKey: k.key });
    const stored = () => h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, k.id)).get()!.lastUsedAt?.toISOString();
    expect(stored()).toBe("2026-11-28T12:00:00.000Z");
    const listed = (await json(await h.request("/api/keys", { token: u.token }))).data[0];
    expect(listed.lastUsedAt).toBe("2026-11-28T12:00:10.000Z");
    await h.core.keys.close();
    expect(stored()).toBe("2026-11-28T12:00:10.000Z");
  });
});

describe("DELETE /api/keys/:id", () => {
  test("revokes the key; it fails on the very next request", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    expect((await h.request("/api/auth/me", { apiKey: k.key })).status).toBe(200);
    const res = await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ success: true, data: null, message: "API key revoked" });
    const after = await h.request("/api/auth/me", { apiKey: k.key });
    expect(after.status).toBe(401);
    expect((await json(after)).error).toBe("API key has been revoked");
    expect((await json(await h.request("/api/keys", { token: u.token }))).data).toEqual([]);
  });

  test("another user's key or an unknown id gets 404 and stays active", async () => {
    const owner = await h.signUp();
    const other = await h.signUp();
    const k = await h.createKey(owner.token);
    expect((await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: other.token })).status).toBe(404);
    expect((await h.request(`/api/keys/${crypto.randomUUID()}`, { method: "DELETE", token: owner.token })).status).toBe(404);
    expect((await h.request("/api/auth/me", { apiKey: k.key })).status).toBe(200);
  });
});

describe("X-API-Key authentication", () => {
  test("authenticates /api/auth/me as the key's owner", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const body = await json(await h.request("/api/auth/me", { apiKey: k.key }));
    expect(body.data.id).toBe(u.user.id);
  });

  test("a key with a wrong checksum is rejected without a database lookup", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const last = k.key.at(-1) === "0" ? "1" : "0";
    const forged = k.key.slice(0, -1) + last;
    // With the table gone any lookup would fail with a 500; a clean 401 proves none was made.
    h.core.deps.db.$client.exec("ALTER TABLE api_keys RENAME TO api_keys_gone");
    const res = await h.request("/api/auth/me", { apiKey: forged });
    expect(res.status).toBe(401);
    expect(await json(res)).toEqual({ success: false, error: "Invalid API key", code: "UNAUTHORIZED" });
  });

  test("an unknown well-formed key gets the generic Invalid API key", async () => {
    const { generateKey } = await import("../../server/core/keyformat.ts");
    const res = await h.request("/api/auth/me", { apiKey: generateKey() });
    expect(res.status).toBe(401);
    expect((await json(res)).error).toBe("Invalid API key");
  });

  test("an expired key gets 401 saying so (injected clock)", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token, { name: "short", expiresAt: "2026-11-28T13:00:00.000Z" });
    expect((await h.request("/api/auth/me", { apiKey: k.key })).status).toBe(200);
    h.clock.advance(60 * 60 * 1000);
    const res = await h.request("/api/auth/me", { apiKey: k.key });
    expect(res.status).toBe(401);
    expect((await json(res)).error).toBe("API key has expired");
  });

  test("repeated invalid keys from one address are throttled after 50 failures a minute", async () => {
    const { generateKey } = await import("../../server/core/keyformat.ts");
    for (let i = 0; i < 50; i++) expect((await h.request("/api/auth/me", { apiKey: generateKey() })).status).toBe(401);
    const res = await h.request("/api/auth/me", { apiKey: generateKey() });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    h.clock.advance(60_000);
    expect((await h.request("/api/auth/me", { apiKey: generateKey() })).status).toBe(401);
  });
});
