import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { digestKey } from "../../server/core/keyformat.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// The properties an attacker with an ordinary account, an API key or nothing at all leans on, across the audit log,
// per-key usage, one-key reads and the cached feed page; each through both doors.

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });
const trpcGet = (path: string, input: unknown, auth: { token?: string; apiKey?: string }) =>
  h.request(`/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, auth);
const usageRows = (keyId: string) =>
  (h.core.deps.db.$client.query("SELECT count(*) AS n FROM key_usage WHERE key_id = ?").get(keyId) as { n: number }).n;

describe("another account's key is as unknown as a made-up id", () => {
  test("GET /api/keys/:id, /usage and keys.get, keys.usage: the same 404 for someone else's key and for no key", async () => {
    const alice = await h.signUp();
    const mallory = await h.signUp();
    const key = await h.createKey(alice.token);
    for (const path of [`/api/keys/${key.id}`, `/api/keys/${key.id}/usage`]) {
      const theirs = await json(await h.request(path, { token: mallory.token }));
      const nobody = await json(await h.request(path.replace(key.id, crypto.randomUUID()), { token: mallory.token }));
      expect(theirs).toEqual({ status: 404, body: { success: false, error: "API key not found", code: "NOT_FOUND" } });
      expect(nobody).toEqual(theirs);
    }
    for (const proc of ["keys.get", "keys.usage"]) {
      const res = await json(await trpcGet(proc, { id: key.id }, { token: mallory.token }));
      expect(res.status).toBe(404);
      expect(res.body.error.json.message).toBe("API key not found");
    }
    // The owner reads both.
    expect((await h.request(`/api/keys/${key.id}/usage`, { token: alice.token })).status).toBe(200);
  });

  test("the admin's views answer 403 to an ordinary account, REST and tRPC", async () => {
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    for (const path of ["/api/admin/audit", "/api/admin/usage", `/api/admin/api-keys/${key.id}`, `/api/admin/api-keys/${key.id}/usage`]) {
      expect(await json(await h.request(path, { token: user.token }))).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    }
    for (const [proc, input] of [["admin.audit", {}], ["admin.usage", {}], ["admin.apiKeys.get", { id: key.id }], ["admin.keyUsage", { id: key.id }]] as const) {
      expect((await trpcGet(proc, input, { token: user.token })).status).toBe(403);
    }
  });
});

describe("an API key does not reach the JWT-only reads, and is not counted there", () => {
  test("REST and tRPC answer 401 and the key's usage stays empty", async () => {
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    for (const path of [`/api/keys/${key.id}`, `/api/keys/${key.id}/usage`, "/api/auth/events", "/api/keys"]) {
      expect(await json(await h.request(path, { apiKey: key.key }))).toEqual({
        status: 401, body: { success: false, error: "This route requires a JWT; API keys cannot be used here", code: "UNAUTHORIZED" },
      });
    }
    for (const [proc, input] of [["keys.get", { id: key.id }], ["keys.usage", { id: key.id }], ["auth.events", {}]] as const) {
      expect((await trpcGet(proc, input, { apiKey: key.key })).status).toBe(401);
    }
    await h.core.usage.flush();
    expect(usageRows(key.id)).toBe(0);
  });
});

describe("cursors", () => {
  test("malformed and forged cursors are 400s; a well-formed one never reaches another account's events", async () => {
    const admin = await h.signUp("admin");
    const alice = await h.signUp();
    const mallory = await h.signUp();
    await h.createKey(alice.token);
    const bad = ["garbage", Buffer.from("[1e400,\"x\"]").toString("base64url"), Buffer.from('{"at":1}').toString("base64url"), "A".repeat(500)];
    for (const cursor of bad) {
      for (const [path, token] of [["/api/auth/events", mallory.token], ["/api/admin/audit", admin.token], ["/api/keys", mallory.token]] as const) {
        const res = await json(await h.request(`${path}?cursor=${encodeURIComponent(cursor)}`, { token }));
        expect(res.status).toBe(400);
        expect(res.body.code).toBe("BAD_REQUEST");
      }
    }
    // A cursor past every event (any seq the caller likes) still only pages the caller's own events.
    const anySeq = Buffer.from(JSON.stringify([8.64e15, "x"])).toString("base64url");
    const own = await json(await h.request(`/api/auth/events?cursor=${anySeq}`, { token: mallory.token }));
    expect(own.status).toBe(200);
    expect(own.body.data.length).toBeGreaterThan(0);
    expect(own.body.data.every((e: any) => e.subjectUserId === mallory.user.id)).toBe(true);
  });
});

describe("audit events", () => {
  test("hold no key, key digest, password, password hash or token, whatever the action", async () => {
    const user = await h.signUp();
    const key = await h.createKey(user.token, { name: "to roll" });
    const rolled = (await json(await h.request(`/api/keys/${key.id}/roll`, { method: "POST", token: user.token, json: {} }))).body.data;
    const leaked = await h.createKey(user.token, { name: "leaked" });
    await h.request("/api/keys/report-leak", { method: "POST", json: { key: leaked.key } });
    await h.request("/api/auth/login", { method: "POST", json: { email: user.email, password: "a wrong password" } });
    const changed = await json(await h.request("/api/auth/password", {
      method: "PUT", token: user.token, json: { currentPassword: user.password, newPassword: "another good password", revokeKeys: true },
    }));
    expect(changed.status).toBe(200);
    const secrets = [key.key, rolled.key, leaked.key, user.password, "another good password", "a wrong password", user.token, changed.body.data.token];
    secrets.push(...[key.key, rolled.key, leaked.key].map(digestKey));
    const hash = (h.core.deps.db.$client.query("SELECT password_hash AS p FROM users WHERE id = ?").get(user.user.id) as { p: string }).p;
    secrets.push(hash);
    const dump = JSON.stringify(h.core.deps.db.$client.query("SELECT * FROM audit_events").all());
    expect(dump).toContain("key.leak_reported");
    for (const s of secrets) expect(dump).not.toContain(s);
  });

  test("each account sees only its own; an X-Forwarded-For is not believed without ARGUS_TRUST_PROXY", async () => {
    const alice = await h.signUp();
    const mallory = await h.signUp();
    await h.createKey(alice.token);
    const server = listen(h);
    try {
      const res = await fetch(`${server.url}/api/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${mallory.token}`, "content-type": "application/json", "x-forwarded-for": "203.0.113.9" },
        body: JSON.stringify({ name: "from afar" }),
      });
      expect(res.status).toBe(201);
    } finally {
      server.stop();
    }
    const mine = (await json(await h.request("/api/auth/events", { token: mallory.token }))).body.data;
    expect(mine.every((e: any) => e.subjectUserId === mallory.user.id)).toBe(true);
    expect(mine[0]).toMatchObject({ action: "key.create", ip: "127.0.0.1" });
    const hers = (await json(await trpcGet("auth.events", {}, { token: alice.token }))).body.result.data.json.items;
    expect(hers.map((e: any) => e.action)).toEqual(["key.create", "user.register"]);
    // The admin's filters mean nothing here: asking for Alice's events still answers Mallory's own.
    const asked = await json(await h.request(`/api/auth/events?subjectUserId=${alice.user.id}&actor=${alice.user.id}`, { token: mallory.token }));
    expect(asked.body.data.map((e: any) => e.id)).toEqual(mine.map((e: any) => e.id));
    const viaTrpc = (await json(await trpcGet("auth.events", { subjectUserId: alice.user.id }, { token: mallory.token }))).body;
    expect(viaTrpc.result.data.json.items.map((e: any) => e.id)).toEqual(mine.map((e: any) => e.id));
  });
});

describe("the cached feed page", () => {
  test("is the same body for every key, each answer with its own key's rate-limit and quota headers and request id", async () => {
    const admin = await h.signUp("admin");
    await h.core.articles.upsert({ title: "t", url: "https://example.com/1", source: "s", tags: [], publishedAt: new Date(h.clock.now() - 1000) } as never);
    const a = await h.createKey(admin.token, { name: "a", quota: { limit: 3, period: "day" } });
    const b = await h.createKey(admin.token, { name: "b" });
    await h.request("/api/v1/articles", { apiKey: a.key }); // a's bucket and quota move first
    for (const path of ["/api/v1/articles", "/trpc/articles.list"]) {
      const ra = await h.request(path, { apiKey: a.key, headers: { "x-request-id": "req-a" } });
      const rb = await h.request(path, { apiKey: b.key, headers: { "x-request-id": "req-b" } });
      expect(await ra.text()).toBe(await rb.text());
      expect(ra.headers.get("x-request-id")).toBe("req-a");
      expect(rb.headers.get("x-request-id")).toBe("req-b");
      expect(ra.headers.get("x-quota-limit")).toBe("3");
      expect(rb.headers.get("x-quota-limit")).toBeNull();
      expect(Number(ra.headers.get("x-ratelimit-remaining"))).toBeLessThan(Number(rb.headers.get("x-ratelimit-remaining")));
    }
    // A key without articles:read gets no page at all, cached or not.
    const writer = await h.createKey(admin.token, { name: "w", scopes: ["articles:write"] });
    const refused = await h.request("/api/v1/articles", { apiKey: writer.key });
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain("example.com");
  });
});
