import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { digestKey } from "../../server/core/keyformat.ts";
import { createHarness, type Harness } from "../support/harness.ts";
import { auditHarness, from, oneEvent, rows, rowsFor, type Row } from "./support.ts";

setDefaultTimeout(60_000);

// Each action through the real REST door writes exactly one event, naming the caller, the target, the client
// address and the request id the response carried; a failing action writes none.

let h: Harness;
beforeEach(async () => (h = await auditHarness()));
afterEach(() => h.close());

const PASSWORD = "correct horse battery";
const requestIdOf = (res: Response) => res.headers.get("x-request-id");
const changes = (r: Row) => (r.changes === null ? null : JSON.parse(r.changes));

/** Nothing secret anywhere in the log: no password, key, key digest, JWT or password hash. */
function expectNoSecrets(secrets: string[]) {
  const hashes = h.core.deps.db.$client.query("SELECT password_hash AS s FROM users UNION ALL SELECT key_hash FROM api_keys").all() as { s: string }[];
  const all = JSON.stringify(rows(h));
  for (const s of [...secrets, ...hashes.map((x) => x.s)]) expect(all).not.toContain(s);
}

async function register(email: string, ip = "203.0.113.7") {
  return oneEvent(h, "user.register", () =>
    h.request("/api/auth/register", { method: "POST", json: { email, password: PASSWORD }, ...from(ip) }));
}

async function admin() {
  const a = await h.signUp("admin");
  return a;
}

describe("accounts", () => {
  test("register: one user.register by the new user, with address and request id; a duplicate email writes none", async () => {
    const { res, event, body } = await register("ada@example.com");
    expect(res.status).toBe(201);
    const id = body.data.user.id;
    expect(event).toMatchObject({
      actor: id, target_type: "user", target_id: id, subject_user_id: id, ip: "203.0.113.7", request_id: requestIdOf(res),
    });
    expect(event.id).toMatch(/^evt_[0-9a-f-]{36}$/);
    expect(event.at).toBe(h.clock.now());
    expect(changes(event)).toEqual({ email: "ada@example.com", role: "user" });

    const count = rows(h).length;
    const dup = await h.request("/api/auth/register", { method: "POST", json: { email: "ada@example.com", password: PASSWORD } });
    expect(dup.status).toBe(409);
    expect(rows(h).length).toBe(count);
    expectNoSecrets([PASSWORD, body.data.token]);
  });

  test("login: success by the user; failures name the account tried (if any) and never the password", async () => {
    const { body } = await register("bob@example.com");
    const id = body.data.user.id;
    const ok = await oneEvent(h, "auth.login", () =>
      h.request("/api/auth/login", { method: "POST", json: { email: "bob@example.com", password: PASSWORD }, ...from("198.51.100.1") }));
    expect(ok.res.status).toBe(200);
    expect(ok.event).toMatchObject({ actor: id, subject_user_id: id, target_id: id, ip: "198.51.100.1", request_id: requestIdOf(ok.res) });

    const wrong = await oneEvent(h, "auth.login_failed", () =>
      h.request("/api/auth/login", { method: "POST", json: { email: "bob@example.com", password: "hunter2-guess" }, ...from("192.0.2.66") }));
    expect(wrong.res.status).toBe(401);
    expect(wrong.event).toMatchObject({ actor: "anonymous", subject_user_id: id, target_id: id, ip: "192.0.2.66", request_id: requestIdOf(wrong.res) });
    expect(changes(wrong.event)).toEqual({ reason: "wrong_password" });

    const unknown = await oneEvent(h, "auth.login_failed", () =>
      h.request("/api/auth/login", { method: "POST", json: { email: "nobody@example.com", password: "hunter3-guess" } }));
    expect(unknown.event).toMatchObject({ actor: "anonymous", subject_user_id: null, target_id: null });
    expect(changes(unknown.event)).toEqual({ reason: "unknown_email" });
    expectNoSecrets([PASSWORD, "hunter2-guess", "hunter3-guess", ok.body.data.token]);
  });

  test("login to a deactivated account is a failure with its reason", async () => {
    const { body } = await register("carl@example.com");
    await h.core.users.adminUpdate(body.data.user.id, { isActive: false });
    const { res, event } = await oneEvent(h, "auth.login_failed", () =>
      h.request("/api/auth/login", { method: "POST", json: { email: "carl@example.com", password: PASSWORD } }));
    expect(res.status).toBe(403);
    expect(changes(event)).toEqual({ reason: "deactivated" });
  });

  test("password change: one event by the user; a wrong current password writes none", async () => {
    const { body } = await register("dora@example.com");
    const token = body.data.token;
    const count = rows(h).length;
    const bad = await h.request("/api/auth/password", { method: "PUT", token, json: { currentPassword: "not it at all", newPassword: "a new long password" } });
    expect(bad.status).toBe(401);
    expect(rows(h).length).toBe(count);

    const { res, event } = await oneEvent(h, "user.password_change", () =>
      h.request("/api/auth/password", { method: "PUT", token, json: { currentPassword: PASSWORD, newPassword: "a new long password" }, ...from("203.0.113.9") }));
    expect(res.status).toBe(200);
    expect(event).toMatchObject({ actor: body.data.user.id, subject_user_id: body.data.user.id, ip: "203.0.113.9", request_id: requestIdOf(res) });
    expect(changes(event)).toEqual({ revokeKeys: false });
    expectNoSecrets([PASSWORD, "a new long password", token]);
  });

  test("logout-all with revokeKeys: auth.logout_all, a key.revoke per key and key.revoke_all, all in the same request", async () => {
    const { body } = await register("eve@example.com");
    const token = body.data.token;
    const k1 = await h.createKey(token, { name: "one" });
    const k2 = await h.createKey(token, { name: "two" });
    const before = rows(h).length;
    const res = await h.request("/api/auth/logout-all", { method: "POST", token, json: { revokeKeys: true } });
    expect(res.status).toBe(200);
    const added = rows(h).slice(before);
    expect(added.map((r) => r.action)).toEqual(["auth.logout_all", "key.revoke", "key.revoke", "key.revoke_all"]);
    for (const r of added) expect(r).toMatchObject({ actor: body.data.user.id, subject_user_id: body.data.user.id, request_id: requestIdOf(res) });
    expect(changes(added[0]!)).toEqual({ revokeKeys: true });
    expect(added.slice(1, 3).map((r) => r.target_id).sort()).toEqual([k1.id, k2.id].sort());
    expect(changes(added[1]!)).toEqual({ name: expect.stringMatching(/^(one|two)$/), reason: null, revokeAll: true });
    expect(added[3]).toMatchObject({ target_type: "user", target_id: body.data.user.id });
    expect(changes(added[3]!)).toEqual({ count: 2 });
    expectNoSecrets([k1.key, k2.key, token]);
  });

  test("admin update: role change and deactivation as from/to; leaving no admin writes none", async () => {
    const a = await admin();
    const { body } = await register("fay@example.com");
    const id = body.data.user.id;
    const role = await oneEvent(h, "user.update", () => h.request(`/api/admin/users/${id}`, { method: "PUT", token: a.token, json: { role: "admin" } }));
    expect(role.event).toMatchObject({ actor: a.user.id, target_id: id, subject_user_id: id, request_id: requestIdOf(role.res) });
    expect(changes(role.event)).toEqual({ role: { from: "user", to: "admin" } });
    const off = await oneEvent(h, "user.update", () => h.request(`/api/admin/users/${id}`, { method: "PUT", token: a.token, json: { isActive: false, role: "user" } }));
    expect(changes(off.event)).toEqual({ isActive: { from: true, to: false }, role: { from: "admin", to: "user" } });

    const count = rows(h).length;
    const last = await h.request(`/api/admin/users/${a.user.id}`, { method: "PUT", token: a.token, json: { role: "user" } });
    expect(last.status).toBe(409);
    expect(rows(h).length).toBe(count);
  });

  test("admin bootstrap from ARGUS_ADMIN_EMAIL: one admin.bootstrap by system, once", async () => {
    const dataDir = h.dataDir;
    await h.close(false);
    h = await createHarness({ trustProxy: true, adminEmail: "root@example.com", adminPassword: "bootstrap password" }, { dataDir });
    const boot = rowsFor(h, "admin.bootstrap");
    expect(boot).toHaveLength(1);
    expect(boot[0]).toMatchObject({ actor: "system", ip: null, request_id: null, target_type: "user" });
    expect(changes(boot[0]!)).toEqual({ email: "root@example.com", role: "admin" });
    await h.close(false);
    h = await createHarness({ trustProxy: true, adminEmail: "root@example.com", adminPassword: "bootstrap password" }, { dataDir });
    expect(rowsFor(h, "admin.bootstrap")).toHaveLength(1);
    expectNoSecrets(["bootstrap password"]);
  });
});

describe("keys", () => {
  test("create, revoke, roll, revoke-all by the owner; someone else's key is a 404 and no event", async () => {
    const owner = (await register("gus@example.com")).body.data;
    const token = owner.token;
    const uid = owner.user.id;
    const made = await oneEvent(h, "key.create", () => h.request("/api/keys", { method: "POST", token, json: { name: "ci" }, ...from("2001:db8::1") }));
    const key = made.body.data;
    expect(made.event).toMatchObject({
      actor: uid, target_type: "key", target_id: key.id, subject_user_id: uid, ip: "2001:db8::1", request_id: requestIdOf(made.res),
    });
    expect(changes(made.event)).toMatchObject({ name: "ci", keyPrefix: key.keyPrefix, scopes: ["articles:read"] });

    const other = (await register("hal@example.com")).body.data;
    const count = rows(h).length;
    const theirs = await h.request(`/api/keys/${key.id}`, { method: "DELETE", token: other.token });
    expect(theirs.status).toBe(404);
    const theirRoll = await h.request(`/api/keys/${key.id}/roll`, { method: "POST", token: other.token, json: {} });
    expect(theirRoll.status).toBe(404);
    expect(rows(h).length).toBe(count);

    const rolled = await oneEvent(h, "key.roll", () => h.request(`/api/keys/${key.id}/roll`, { method: "POST", token, json: { gracePeriodSeconds: 60 } }));
    expect(rolled.event).toMatchObject({ actor: uid, target_id: key.id, subject_user_id: uid });
    expect(changes(rolled.event)).toMatchObject({ newKeyId: rolled.body.data.id, gracePeriodSeconds: 60 });
    const again = await h.request(`/api/keys/${key.id}/roll`, { method: "POST", token, json: {} });
    expect(again.status).toBe(409);
    expect(rowsFor(h, "key.roll")).toHaveLength(1);

    const revoked = await oneEvent(h, "key.revoke", () =>
      h.request(`/api/keys/${rolled.body.data.id}`, { method: "DELETE", token, json: { reason: "no longer used" } }));
    expect(revoked.event).toMatchObject({ actor: uid, target_id: rolled.body.data.id, subject_user_id: uid, request_id: requestIdOf(revoked.res) });
    expect(changes(revoked.event)).toEqual({ name: "ci", reason: "no longer used" });

    const last = await h.createKey(token, { name: "last" });
    const before = rows(h).length;
    const all = await h.request("/api/keys", { method: "DELETE", token });
    expect(all.status).toBe(200);
    const added = rows(h).slice(before);
    // The old rolled key (still in its overlap) and "last": one key.revoke each, then the summary.
    expect(added.map((r) => `${r.action} ${r.target_id}`).sort()).toEqual(
      [`key.revoke ${key.id}`, `key.revoke ${last.id}`, `key.revoke_all ${uid}`].sort(),
    );
    expect(added.at(-1)).toMatchObject({ action: "key.revoke_all", target_type: "user", subject_user_id: uid, request_id: requestIdOf(all) });
    expect(changes(added.at(-1)!)).toEqual({ count: 2 });
    expectNoSecrets([key.key, rolled.body.data.key, token]);
  });

  test("revoke-all of 600 keys: 600 key.revoke events (written in chunks) and one summary, in the one transaction", async () => {
    await h.close();
    h = await createHarness({ trustProxy: true, maxKeysPerUser: 1000 });
    const owner = (await register("many@example.com")).body.data;
    const who = { userId: owner.user.id, role: "user" };
    await Promise.all(Array.from({ length: 600 }, (_, i) => h.core.keys.create(who, { name: `k${i}` })));
    const before = rows(h).length;
    const res = await h.request("/api/keys", { method: "DELETE", token: owner.token });
    expect(((await res.json()) as any).data).toEqual({ revoked: 600 });
    const added = rows(h).slice(before);
    expect(added).toHaveLength(601);
    expect(new Set(added.slice(0, 600).map((r) => r.target_id)).size).toBe(600);
    expect(added.slice(0, 600).every((r) => r.action === "key.revoke" && r.request_id === requestIdOf(res))).toBe(true);
    expect(changes(added[600]!)).toEqual({ count: 600 });
  });

  test("admin update and delete: from/to changes, the owner as subject; an unknown id writes none", async () => {
    const a = await admin();
    const owner = (await register("ida@example.com")).body.data;
    const key = await h.createKey(owner.token, { name: "svc" });
    const upd = await oneEvent(h, "key.update", () =>
      h.request(`/api/admin/api-keys/${key.id}`, { method: "PUT", token: a.token, json: { isActive: false, rateLimit: 10 } }));
    expect(upd.event).toMatchObject({ actor: a.user.id, target_id: key.id, subject_user_id: owner.user.id });
    expect(changes(upd.event)).toEqual({ isActive: { from: true, to: false }, rateLimit: { from: null, to: 10 } });

    const del = await oneEvent(h, "key.delete", () => h.request(`/api/admin/api-keys/${key.id}`, { method: "DELETE", token: a.token }));
    expect(del.event).toMatchObject({ actor: a.user.id, target_id: key.id, subject_user_id: owner.user.id });
    expect(changes(del.event)).toMatchObject({ name: "svc" });

    const count = rows(h).length;
    expect((await h.request(`/api/admin/api-keys/${key.id}`, { method: "DELETE", token: a.token })).status).toBe(404);
    expect((await h.request("/api/admin/api-keys/nope", { method: "PUT", token: a.token, json: { isActive: true } })).status).toBe(404);
    expect(rows(h).length).toBe(count);
    expectNoSecrets([key.key]);
  });

  test("leak report: key.leak_reported by anonymous, seen by the owner; an unknown or revoked key writes none", async () => {
    const owner = (await register("jon@example.com")).body.data;
    const key = await h.createKey(owner.token, { name: "leaky" });
    const { res, event } = await oneEvent(h, "key.leak_reported", () =>
      h.request("/api/keys/report-leak", { method: "POST", json: { key: key.key }, ...from("192.0.2.200") }));
    expect(res.status).toBe(202);
    expect(event).toMatchObject({ actor: "anonymous", target_id: key.id, subject_user_id: owner.user.id, request_id: requestIdOf(res) });

    const count = rows(h).length;
    for (const k of [key.key, "argus_" + "x".repeat(43), "not a key"]) {
      expect((await h.request("/api/keys/report-leak", { method: "POST", json: { key: k } })).status).toBe(202);
    }
    expect(rows(h).length).toBe(count);

    const mine = (await (await h.request("/api/auth/events", { token: owner.token })).json()) as any;
    const seen = mine.data.find((e: any) => e.action === "key.leak_reported");
    expect(seen).toMatchObject({ actor: "anonymous", targetId: key.id, changes: { name: "leaky", reason: "leaked" } });
    expect(seen.ip).toBeNull(); // the reporter's address is not the owner's to see
    expectNoSecrets([key.key, digestKey(key.key)]);
  });
});

describe("articles", () => {
  test("delete: one article.delete by the admin; an unknown id writes none", async () => {
    const a = await admin();
    const created = await h.request("/api/v1/articles", {
      method: "POST", token: a.token,
      json: { title: "Gone soon", url: "https://example.com/gone", source: "test", publishedAt: "2026-11-01T00:00:00Z" },
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as any).data.id;
    const { event } = await oneEvent(h, "article.delete", () => h.request(`/api/v1/articles/${id}`, { method: "DELETE", token: a.token }));
    expect(event).toMatchObject({ actor: a.user.id, target_type: "article", target_id: id, subject_user_id: null });
    expect(changes(event)).toEqual({ title: "Gone soon", url: "https://example.com/gone" });
    const count = rows(h).length;
    expect((await h.request(`/api/v1/articles/${id}`, { method: "DELETE", token: a.token })).status).toBe(404);
    expect(rows(h).length).toBe(count);
  });
});

describe("atomicity", () => {
  test("when the event cannot be written the action is rolled back with it: the key stays live, the password unchanged", async () => {
    const owner = (await register("kit@example.com")).body.data;
    const key = await h.createKey(owner.token, { name: "kept" });
    const count = rows(h).length;
    h.core.deps.db.$client.exec("CREATE TRIGGER audit_down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit down'); END");

    const revoke = await h.request(`/api/keys/${key.id}`, { method: "DELETE", token: owner.token });
    expect(revoke.status).toBe(500);
    expect(await revoke.text()).not.toContain("audit"); // no SQL or trigger text in the answer
    const password = await h.request("/api/auth/password", {
      method: "PUT", token: owner.token, json: { currentPassword: PASSWORD, newPassword: "another long password" },
    });
    expect(password.status).toBe(500);

    h.core.deps.db.$client.exec("DROP TRIGGER audit_down");
    expect(rows(h).length).toBe(count);
    expect((await h.request("/api/auth/me", { apiKey: key.key })).status).toBe(200);
    const login = await h.request("/api/auth/login", { method: "POST", json: { email: "kit@example.com", password: PASSWORD } });
    expect(login.status).toBe(200);
  });
});
