import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../client/index.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";
import { codeOf } from "../support/trpc.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
let srv: ReturnType<typeof listen>;
beforeEach(async () => {
  h = await createHarness();
  srv = listen(h);
});
afterEach(async () => {
  srv.stop();
  await h.close();
});


describe("tRPC auth.*", () => {
  test("register, login, me, changePassword and logoutAll through the typed client", async () => {
    const anon = createArgusClient({ url: srv.url });
    const reg = await anon.auth.register.mutate({ email: "T@Example.com", password: "12345678", name: null });
    expect(reg.user.email).toBe("t@example.com");
    expect(reg.expiresAt).toBeInstanceOf(Date);
    const session = await anon.auth.login.mutate({ email: "t@example.com", password: "12345678" });
    const client = createArgusClient({ url: srv.url, token: session.token });
    const me = await client.auth.me.query();
    expect(me).toEqual({ ...reg.user, createdAt: expect.any(Date) });
    expect(me.createdAt).toBeInstanceOf(Date);

    const changed = await client.auth.changePassword.mutate({ currentPassword: "12345678", newPassword: "87654321" });
    expect(await codeOf(client.auth.me.query())).toBe("UNAUTHORIZED");
    const fresh = createArgusClient({ url: srv.url, token: changed.token });
    expect(await fresh.auth.logoutAll.mutate()).toEqual({ success: true, revokedKeys: 0 });
    expect(await codeOf(fresh.auth.me.query())).toBe("UNAUTHORIZED");
  });

  test("errors carry tRPC codes", async () => {
    const anon = createArgusClient({ url: srv.url });
    expect(await codeOf(anon.auth.me.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(anon.auth.login.mutate({ email: "x@example.com", password: "nope" }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anon.auth.register.mutate({ email: "bad", password: "12345678" }))).toBe("BAD_REQUEST");
    const invalid = await anon.auth.register.mutate({ email: "bad", password: "short" }).catch((e) => e);
    expect(invalid.data.details.map((d: any) => d.field).sort()).toEqual(["email", "password"]);
    await anon.auth.register.mutate({ email: "dup@example.com", password: "12345678" });
    expect(await codeOf(anon.auth.register.mutate({ email: "dup@example.com", password: "12345678" }))).toBe("CONFLICT");
    const user = createArgusClient({ url: srv.url, token: (await h.signUp()).token });
    expect(await codeOf(user.admin.users.list.query({ limit: 10 }))).toBe("FORBIDDEN");
  });

  test("an internal error over tRPC carries no stack or SQL", async () => {
    const u = await h.signUp();
    h.core.deps.db.$client.exec("DROP TABLE api_keys");
    const res = await fetch(`${srv.url}/trpc/keys.list`, { headers: { authorization: `Bearer ${u.token}` } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain("Internal server error");
    expect(text).not.toMatch(/api_keys|select|stack"\s*:\s*"/i);
  });
});

describe("tRPC keys.* and admin.*", () => {
  test("keys: create, list, revoke; an API key cannot manage keys", async () => {
    const u = await h.signUp();
    const client = createArgusClient({ url: srv.url, token: u.token });
    const created = await client.keys.create.mutate({ name: "from trpc" });
    expect(created.key).toMatch(/^argus_[0-9a-f]{32}$/);
    const { items: list, hasMore } = await client.keys.list.query();
    expect(hasMore).toBe(false);
    expect(list.map((k) => k.id)).toEqual([created.id]);
    expect(list[0]).not.toHaveProperty("key");
    const withKey = createArgusClient({ url: srv.url, apiKey: created.key });
    expect(await codeOf(withKey.keys.list.query())).toBe("UNAUTHORIZED");
    expect((await withKey.auth.me.query()).id).toBe(u.user.id);
    await client.keys.revoke.mutate({ id: created.id });
    expect(await codeOf(withKey.auth.me.query())).toBe("UNAUTHORIZED");
    expect(await codeOf(client.keys.revoke.mutate({ id: created.id }))).toBe("NOT_FOUND");
  });

  test("admin procedures list and update keys and users", async () => {
    const admin = createArgusClient({ url: srv.url, token: (await h.signUp("admin")).token });
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const page = await admin.admin.apiKeys.list.query({ limit: 10 });
    expect(page.items.map((x) => x.userEmail)).toEqual([u.email]);
    expect(page).toMatchObject({ nextCursor: null, hasMore: false });
    const updated = await admin.admin.apiKeys.update.mutate({ id: k.id, data: { isActive: false, rateLimit: 7 } });
    expect(updated).toMatchObject({ isActive: false, rateLimit: 7 });
    const users = await admin.admin.users.list.query({ limit: 10 });
    expect(users.items).toHaveLength(2);
    await admin.admin.users.update.mutate({ id: u.user.id, data: { role: "admin" } });
    expect((await admin.admin.users.list.query({ limit: 10, role: "admin" })).items).toHaveLength(2);
    await admin.admin.apiKeys.delete.mutate({ id: k.id });
    expect((await admin.admin.apiKeys.list.query({ limit: 10 })).items).toHaveLength(0);
  });
});

describe("REST and tRPC parity", () => {
  test("one key lifecycle gives the same outcome through both doors", async () => {
    const outcomes = { rest: [] as unknown[], trpc: [] as unknown[] };
    for (const door of ["rest", "trpc"] as const) {
      const u = await h.signUp();
      const out = outcomes[door]!;
      if (door === "rest") {
        const created = (await (await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "p" } })).json()) as any;
        out.push(created.data.name, created.data.scopes, created.data.keyPrefix === created.data.key.slice(0, 8));
        out.push((await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "w", scopes: ["articles:write"] } })).status);
        out.push(((await (await h.request("/api/keys", { token: u.token })).json()) as any).data.length);
        await h.request(`/api/keys/${created.data.id}`, { method: "DELETE", token: u.token });
        out.push((await h.request("/api/auth/me", { apiKey: created.data.key })).status);
        out.push((await h.request(`/api/keys/${created.data.id}`, { method: "DELETE", token: u.token })).status);
      } else {
        const c = createArgusClient({ url: srv.url, token: u.token });
        const created = await c.keys.create.mutate({ name: "p" });
        out.push(created.name, created.scopes, created.keyPrefix === created.key.slice(0, 8));
        out.push(await codeOf(c.keys.create.mutate({ name: "w", scopes: ["articles:write"] })));
        out.push((await c.keys.list.query()).items.length);
        await c.keys.revoke.mutate({ id: created.id });
        out.push(await codeOf(createArgusClient({ url: srv.url, apiKey: created.key }).auth.me.query()));
        out.push(await codeOf(c.keys.revoke.mutate({ id: created.id })));
      }
    }
    const status = { 403: "FORBIDDEN", 401: "UNAUTHORIZED", 404: "NOT_FOUND" } as Record<number, string>;
    const expected = ["p", ["articles:read"], true, "FORBIDDEN", 1, "UNAUTHORIZED", "NOT_FOUND"];
    expect(outcomes.trpc).toEqual(expected);
    expect(outcomes.rest.map((v) => (typeof v === "number" && status[v]) || v)).toEqual(expected);
  });
});

describe("tRPC input that superjson cannot take", () => {
  const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  const call = (path: string, init: RequestInit & { token?: string } = {}) =>
    h.request(`/trpc/${path}`, { ...init, headers: init.body ? { "content-type": "application/json" } : {} });

  test("deeply nested input answers 400 with the generic validation message, in every place input arrives", async () => {
    const u = await h.signUp();
    const post = (path: string, body: string) => call(path, { method: "POST", body, token: u.token });
    const answers = [
      await post("keys.create", `{"json":{"name":${deep(100_000)}}}`),
      await post("keys.create", `{"json":{"name":"x"},"meta":{"values":{"name":${deep(10_000)}}}}`),
      await post("keys.create,keys.create?batch=1", `{"0":{"json":{"name":"ok"}},"1":{"json":${deep(50_000)}}}`),
      await call(`articles.list?input=${encodeURIComponent(`{"json":${deep(100_000)}}`)}`, { token: u.token }),
      await call(`articles.list?input=${encodeURIComponent(`{"json":${deep(33)}}`)}`, { token: u.token }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).not.toMatch(/call stack|RangeError|at \w+ \(/);
      const body = JSON.parse(text);
      const error = (Array.isArray(body) ? body.find((b: any) => b.error) : body).error.json;
      expect(error).toMatchObject({ message: "Validation failed", data: { code: "BAD_REQUEST", httpStatus: 400 } });
      expect(error.data.details).toEqual([{ field: "(body)", message: "must not nest deeper than 32 levels" }]);
    }
    expect(h.core.deps.db.$client.query("SELECT count(*) AS n FROM api_keys").get()).toEqual({ n: 0 });
  });

  test("a superjson meta naming an unknown transformation is the same 400, not superjson's wording", async () => {
    const u = await h.signUp();
    const res = await call("keys.create", { method: "POST", token: u.token, body: `{"json":{"name":"x"},"meta":{"values":{"name":["nope"]}}}` });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as any).error.json;
    expect(error).toMatchObject({ message: "Validation failed", data: { code: "BAD_REQUEST", details: [{ field: "(body)", message: "is not a valid superjson envelope" }] } });
  });

  test("input nested as deep as the limit allows still reaches validation", async () => {
    const u = await h.signUp();
    const res = await call(`articles.list?input=${encodeURIComponent(`{"json":{"limit":${deep(29)}}}`)}`, { token: u.token });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.json.data.details[0].field).toBe("limit");
  });
});
