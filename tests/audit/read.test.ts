import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { listen, type Harness } from "../support/harness.ts";
import { codeOf } from "../support/trpc.ts";
import { auditHarness, from, rows } from "./support.ts";

setDefaultTimeout(60_000);

// Reading the log: the admin's filtered, keyset-paged view, each user's own events, and the same over tRPC.

let h: Harness;
beforeEach(async () => (h = await auditHarness()));
afterEach(() => h.close());

const get = async (path: string, token?: string) => {
  const res = await h.request(path, { token });
  return { status: res.status, body: (await res.json()) as any };
};

/** Every event the admin route answers for `query`, following nextCursor with pages of `limit`. */
async function walk(token: string, query: string, limit: number) {
  const seen: any[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const { status, body } = await get(`/api/admin/audit?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ""}`, token);
    expect(status).toBe(200);
    expect(body.data.length).toBeLessThanOrEqual(limit);
    expect(body.meta.hasMore).toBe(body.meta.nextCursor !== null);
    seen.push(...body.data);
    cursor = body.meta.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error("did not finish");
}

describe("GET /api/admin/audit", () => {
  test("pages newest first, every event once, in the envelope; a garbage cursor is a 400", async () => {
    const admin = await h.signUp("admin");
    const user = await h.signUp();
    for (let i = 0; i < 7; i++) await h.createKey(user.token, { name: `k${i}` });
    const all = await walk(admin.token, "", 3);
    const stored = rows(h).reverse();
    expect(all.map((e) => e.id)).toEqual(stored.map((r) => r.id));
    expect(all.length).toBeGreaterThanOrEqual(10); // 2 accounts, a login, 7 keys
    expect(all[0]).toEqual({
      id: stored[0]!.id, at: new Date(stored[0]!.at).toISOString(), actor: user.user.id, action: "key.create", targetType: "key",
      targetId: stored[0]!.target_id, subjectUserId: user.user.id, ip: "unknown", requestId: stored[0]!.request_id,
      changes: { name: "k6", keyPrefix: expect.any(String), scopes: ["articles:read"], expiresAt: null },
    });
    const first = await get("/api/admin/audit?limit=2", admin.token);
    expect(first.body).toMatchObject({ success: true, meta: { hasMore: true, nextCursor: expect.any(String) } });
    expect((await get("/api/admin/audit?cursor=bm90LWEtY3Vyc29y", admin.token)).status).toBe(400);
  });

  test("filters by actor, action, targetId, subjectUserId and time (since inclusive, until exclusive), combined", async () => {
    const admin = await h.signUp("admin");
    const a = await h.signUp();
    const b = await h.signUp();
    const t0 = h.clock.now();
    const keyA = await h.createKey(a.token, { name: "a1" });
    h.clock.advance(60_000);
    const t1 = h.clock.now();
    await h.createKey(b.token, { name: "b1" });
    await h.request(`/api/keys/${keyA.id}`, { method: "DELETE", token: a.token });
    h.clock.advance(60_000);
    const t2 = h.clock.now();
    await h.request("/api/auth/login", { method: "POST", json: { email: a.email, password: "wrong password!" } });

    const ids = async (q: string) => (await walk(admin.token, q, 100)).map((e) => `${e.action}:${e.actor === a.user.id ? "a" : e.actor === b.user.id ? "b" : e.actor}`);
    expect(await ids(`&actor=${a.user.id}`)).toEqual(["key.revoke:a", "key.create:a", "user.register:a"]);
    expect(await ids("&action=key.create")).toEqual(["key.create:b", "key.create:a"]);
    expect(await ids(`&targetId=${keyA.id}`)).toEqual(["key.revoke:a", "key.create:a"]);
    expect(await ids(`&subjectUserId=${a.user.id}`)).toEqual(["auth.login_failed:anonymous", "key.revoke:a", "key.create:a", "user.register:a"]);
    expect(await ids(`&since=${new Date(t1).toISOString()}&until=${new Date(t2).toISOString()}`)).toEqual(["key.revoke:a", "key.create:b"]);
    expect(await ids(`&since=${new Date(t2).toISOString()}`)).toEqual(["auth.login_failed:anonymous"]);
    expect(await ids(`&actor=${a.user.id}&action=key.create&until=${new Date(t1).toISOString()}&since=${new Date(t0).toISOString()}`)).toEqual(["key.create:a"]);
    expect(await ids("&actor=nobody")).toEqual([]);

    const bad = await get("/api/admin/audit?action=key.explode", admin.token);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe("action");
    expect((await get("/api/admin/audit?since=yesterday", admin.token)).status).toBe(400);
  });

  test("only admins: a user's JWT is 403, an API key 401, no credential 401", async () => {
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    const mine = await get("/api/admin/audit", user.token);
    expect(mine.status).toBe(403);
    expect(mine.body.code).toBe("FORBIDDEN");
    expect((await h.request("/api/admin/audit", { apiKey: key.key })).status).toBe(401);
    expect((await get("/api/admin/audit")).status).toBe(401);
  });
});

describe("GET /api/auth/events", () => {
  test("a user sees only events about their own account, whatever the query says", async () => {
    const victim = await h.signUp();
    const attacker = await h.signUp();
    await h.createKey(victim.token, { name: "victim key" });
    await h.createKey(attacker.token, { name: "attacker key" });
    // The attacker tries the victim's password from their own address.
    await h.request("/api/auth/login", { method: "POST", json: { email: victim.email, password: "guess guess guess" }, ...from("192.0.2.13") });

    const theirs = await get(`/api/auth/events?subjectUserId=${victim.user.id}&actor=${victim.user.id}`, attacker.token);
    expect(theirs.status).toBe(200);
    expect(theirs.body.data.map((e: any) => e.action)).toEqual(["key.create", "user.register"]);
    for (const e of theirs.body.data) expect(e.subjectUserId).toBe(attacker.user.id);

    const own = await get("/api/auth/events", victim.token);
    expect(own.body.data.map((e: any) => e.action)).toEqual(["auth.login_failed", "key.create", "user.register"]);
    expect(own.body.data[0]).toMatchObject({ actor: "anonymous", ip: "192.0.2.13", subjectUserId: victim.user.id });
    for (const e of own.body.data) expect(e.subjectUserId).toBe(victim.user.id);
  });

  test("pages like every list; an admin's action on the account shows without the admin's address", async () => {
    const admin = await h.signUp("admin");
    const user = await h.signUp();
    for (let i = 0; i < 4; i++) await h.createKey(user.token, { name: `k${i}` });
    await h.request(`/api/admin/users/${user.user.id}`, { method: "PUT", token: admin.token, json: { rateLimit: 50 }, ...from("10.9.9.9") });
    const p1 = await get("/api/auth/events?limit=4", user.token);
    expect(p1.body.meta.hasMore).toBe(true);
    expect(p1.body.data[0]).toMatchObject({ action: "user.update", actor: admin.user.id, ip: null, changes: { rateLimit: { from: null, to: 50 } } });
    const p2 = await get(`/api/auth/events?limit=4&cursor=${p1.body.meta.nextCursor}`, user.token);
    expect(p2.body.meta).toEqual({ hasMore: false, nextCursor: null });
    expect([...p1.body.data, ...p2.body.data].map((e: any) => e.action)).toEqual([
      "user.update", "key.create", "key.create", "key.create", "key.create", "user.register",
    ]);
    expect(rows(h).find((r) => r.action === "user.update")!.ip).toBe("10.9.9.9"); // the admin log keeps it
    expect((await get("/api/auth/events")).status).toBe(401);
  });
});

describe("tRPC", () => {
  test("admin.audit and auth.events answer what REST answers; a tRPC mutation is recorded with its request id", async () => {
    const srv = listen(h);
    try {
      const admin = await h.signUp("admin");
      const user = await h.signUp();
      const requestIds: string[] = [];
      const client = createArgusClient({
        url: srv.url, token: user.token,
        fetch: (async (input: string | URL | Request, init?: RequestInit) => {
          const res = await fetch(input, init);
          requestIds.push(res.headers.get("x-request-id")!);
          return res;
        }) as typeof fetch,
      });
      const key = await client.keys.create.mutate({ name: "over trpc" });
      const event = rows(h).at(-1)!;
      expect(event).toMatchObject({ action: "key.create", actor: user.user.id, target_id: key.id, ip: "127.0.0.1", request_id: requestIds.at(-1) });

      const adminClient = createArgusClient({ url: srv.url, token: admin.token });
      const page = await adminClient.admin.audit.query({ action: "key.create", limit: 5 });
      const rest = await get("/api/admin/audit?action=key.create&limit=5", admin.token);
      expect(page.items.map((e) => e.id)).toEqual(rest.body.data.map((e: any) => e.id));
      expect(page.items[0]!.at).toBeInstanceOf(Date);
      expect(page).toMatchObject({ hasMore: false, nextCursor: null });

      const own = await client.auth.events.query();
      expect(own.items.map((e) => e.action)).toEqual(["key.create", "user.register"]);
      expect(await codeOf(client.admin.audit.query({}))).toBe("FORBIDDEN");
    } finally {
      srv.stop();
    }
  });
});
