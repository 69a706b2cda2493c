import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../../db/schema.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const register = (body: unknown) => h.request("/api/auth/register", { method: "POST", json: body });
const login = (body: unknown) => h.request("/api/auth/login", { method: "POST", json: body });

describe("POST /api/auth/register", () => {
  test("creates the account and returns a 7-day session without the password hash", async () => {
    const res = await register({ email: "  Ada@Example.COM ", password: "correct horse", name: "Ada" });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.success).toBe(true);
    expect(body.data.user).toEqual({
      id: expect.any(String), email: "ada@example.com", name: "Ada", role: "user", isActive: true,
      createdAt: "2026-11-28T12:00:00.000Z",
    });
    expect(body.data.expiresAt).toBe("2026-12-05T12:00:00.000Z");
    expect(JSON.stringify(body)).not.toContain("argon2");
    const row = h.core.deps.db.select().from(users).where(eq(users.email, "ada@example.com")).get()!;
    expect(row.passwordHash).toStartWith("$argon2id$");
  });

  test("name is null when not given", async () => {
    const body = await json(await register({ email: "b@example.com", password: "12345678" }));
    expect(body.data.user.name).toBeNull();
  });

  test("an existing email, in any case, gets 409", async () => {
    await register({ email: "dup@example.com", password: "12345678" });
    const res = await register({ email: "DUP@example.com", password: "12345678" });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ success: false, code: "CONFLICT" });
  });

  test("bad input gets 400 with details per field and creates nothing", async () => {
    const res = await register({ email: "not-an-email", password: "short" });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.code).toBe("BAD_REQUEST");
    expect(body.details.map((d: any) => d.field).sort()).toEqual(["email", "password"]);
    expect(h.core.deps.db.select().from(users).all()).toHaveLength(0);
  });

  test("a 257-character password is refused, 256 accepted", async () => {
    expect((await register({ email: "l@example.com", password: "x".repeat(257) })).status).toBe(400);
    expect((await register({ email: "l@example.com", password: "x".repeat(256) })).status).toBe(201);
  });

  test("closed registration answers 403", async () => {
    const closed = await createHarness({ allowRegistration: false });
    const res = await closed.request("/api/auth/register", { method: "POST", json: { email: "x@example.com", password: "12345678" } });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ success: false, code: "FORBIDDEN", error: "Registration is closed" });
    await closed.close();
  });
});

describe("POST /api/auth/login", () => {
  test("returns a token that works on /api/auth/me", async () => {
    await register({ email: "me@example.com", password: "12345678" });
    const res = await login({ email: "ME@example.com ", password: "12345678" });
    expect(res.status).toBe(200);
    const { data } = await json(res);
    const me = await json(await h.request("/api/auth/me", { token: data.token }));
    expect(me).toEqual({ success: true, data: data.user });
  });

  test("unknown email and wrong password look the same", async () => {
    await register({ email: "known@example.com", password: "12345678" });
    const a = await login({ email: "unknown@example.com", password: "12345678" });
    const b = await login({ email: "known@example.com", password: "wrong-password" });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(await json(a)).toEqual(await json(b));
    expect(await json(await login({ email: "unknown@example.com", password: "x" }))).toEqual({
      success: false, error: "Invalid email or password", code: "UNAUTHORIZED",
    });
  });

  test("a deactivated user's right password gets 403, a wrong one 401", async () => {
    const u = await h.signUp();
    h.core.deps.db.update(users).set({ isActive: false }).where(eq(users.id, u.user.id)).run();
    const right = await login({ email: u.email, password: u.password });
    expect(right.status).toBe(403);
    expect((await json(right)).error).toBe("Account is deactivated");
    expect((await login({ email: u.email, password: "wrong-password" })).status).toBe(401);
  });

  test("10 failures for one email from one address lock that address out of it, the right password too, until the window passes", async () => {
    const u = await h.signUp();
    for (let i = 0; i < 10; i++) expect((await login({ email: u.email, password: "wrong-password" })).status).toBe(401);
    const locked = await login({ email: u.email, password: u.password });
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(await json(locked)).toMatchObject({ success: false, code: "TOO_MANY_REQUESTS", retryAfter });
    h.clock.advance(15 * 60 * 1000);
    expect((await login({ email: u.email, password: u.password })).status).toBe(200);
  });

  test("50 failures from one address lock that address for every email", async () => {
    const u = await h.signUp();
    for (let i = 0; i < 50; i++) await login({ email: `nobody${i}@example.com`, password: "wrong-password" });
    const locked = await login({ email: u.email, password: u.password });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await json(locked)).toMatchObject({ success: false, code: "TOO_MANY_REQUESTS" });
    h.clock.advance(15 * 60 * 1000);
    expect((await login({ email: u.email, password: u.password })).status).toBe(200);
  });
});

describe("sessions", () => {
  test("PUT /api/auth/password ends earlier tokens and returns a fresh one", async () => {
    const u = await h.signUp();
    const res = await h.request("/api/auth/password", {
      method: "PUT", token: u.token, json: { currentPassword: u.password, newPassword: "a brand new one" },
    });
    expect(res.status).toBe(200);
    const fresh = (await json(res)).data.token;
    expect((await h.request("/api/auth/me", { token: u.token })).status).toBe(401);
    expect((await h.request("/api/auth/me", { token: fresh })).status).toBe(200);
    expect((await login({ email: u.email, password: "a brand new one" })).status).toBe(200);
    expect((await login({ email: u.email, password: u.password })).status).toBe(401);
  });

  test("PUT /api/auth/password with the wrong current password changes nothing", async () => {
    const u = await h.signUp();
    const res = await h.request("/api/auth/password", {
      method: "PUT", token: u.token, json: { currentPassword: "not-it-at-all", newPassword: "a brand new one" },
    });
    expect(res.status).toBe(401);
    expect(await json(res)).toEqual({ success: false, error: "Current password is incorrect", code: "UNAUTHORIZED" });
    expect((await h.request("/api/auth/me", { token: u.token })).status).toBe(200);
    expect((await login({ email: u.email, password: u.password })).status).toBe(200);
    expect((await login({ email: u.email, password: "a brand new one" })).status).toBe(401);
  });

  test("POST /api/auth/logout-all ends every token of the user", async () => {
    const u = await h.signUp();
    const second = (await json(await login({ email: u.email, password: u.password }))).data.token;
    expect((await h.request("/api/auth/logout-all", { method: "POST", token: u.token })).status).toBe(200);
    expect((await h.request("/api/auth/me", { token: u.token })).status).toBe(401);
    expect((await h.request("/api/auth/me", { token: second })).status).toBe(401);
  });

  test("no credential on /api/auth/me gets 401 Authentication required", async () => {
    const res = await h.request("/api/auth/me");
    expect(res.status).toBe(401);
    expect(await json(res)).toEqual({ success: false, error: "Authentication required", code: "UNAUTHORIZED" });
  });
});
