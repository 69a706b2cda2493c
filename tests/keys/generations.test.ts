import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { databaseFile, openConnection } from "../../db/client.ts";
import { createGeneration } from "../../server/core/keycache.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// The key cache (and any cache of articles) empties when its generation moves. The counters are moved by triggers
// in the database, so writes from any connection count; writes that cannot change a verified key must not.

let h: Harness;
let other: ReturnType<typeof openConnection>;
beforeAll(async () => {
  h = await createHarness();
  other = openConnection(databaseFile(h.dataDir)); // another process's connection, as far as SQLite knows
});
afterAll(async () => {
  other.$client.close();
  await h.close();
});

describe("generations", () => {
  test("keys moves on key and user changes from any connection, not on lastUsedAt, quota spends or other tables", async () => {
    const s = await h.signUp();
    const withQuota = await h.createKey(s.token, { name: "q", quota: { limit: 10, period: "day" } });
    const keys = createGeneration(h.core.deps.db, "keys");
    const articles = createGeneration(h.core.deps.db, "articles");
    expect(keys.moved()).toBe(false);

    // A request with the quota key spends a unit (a write job) and, later, touches lastUsedAt.
    expect((await h.request("/api/auth/me", { apiKey: withQuota.key })).status).toBe(200);
    other.$client.run("UPDATE api_keys SET last_used_at = 123 WHERE id = ?", [withQuota.id]);
    expect(other.$client.query("SELECT used FROM key_quota_usage").get()).toEqual({ used: 1 });
    expect(keys.moved()).toBe(false);

    other.$client.run("UPDATE api_keys SET revoked_at = 1, is_active = 0 WHERE id = ?", [withQuota.id]);
    expect(keys.moved()).toBe(true);
    expect(keys.moved()).toBe(false);
    other.$client.run("UPDATE users SET role = 'admin' WHERE id = ?", [s.user.id]);
    expect(keys.moved()).toBe(true);
    other.$client.run("DELETE FROM api_keys WHERE id = ?", [withQuota.id]);
    expect(keys.moved()).toBe(true);
    expect(articles.moved()).toBe(false);
  });

  test("articles moves on article writes through the API and from another connection", async () => {
    const admin = await h.signUp("admin");
    const articles = createGeneration(h.core.deps.db, "articles");
    const keys = createGeneration(h.core.deps.db, "keys");
    const post = await h.request("/api/v1/articles", {
      method: "POST", token: admin.token,
      json: { title: "t", url: "https://x.test/g", source: "s", publishedAt: new Date(h.clock.now() - 1000).toISOString() },
    });
    expect(post.status).toBe(201);
    expect(articles.moved()).toBe(true);
    other.$client.run("DELETE FROM articles");
    expect(articles.moved()).toBe(true);
    expect(articles.moved()).toBe(false);
    expect(keys.moved()).toBe(false);
  });

  test("a key revoked by another connection is refused on the next request", async () => {
    const s = await h.signUp();
    const k = await h.createKey(s.token, { name: "r" });
    expect((await h.request("/api/auth/me", { apiKey: k.key })).status).toBe(200);
    other.$client.run("UPDATE api_keys SET revoked_at = 1, is_active = 0 WHERE id = ?", [k.id]);
    const res = await h.request("/api/auth/me", { apiKey: k.key });
    expect(res.status).toBe(401);
  });
});
