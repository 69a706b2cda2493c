import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { sign } from "hono/jwt";
import { users } from "../../db/schema.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness({ jwtSecret: "s".repeat(40) })));
afterEach(() => h.close());

const me = (token: string) => h.request("/api/auth/me", { token });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe("JWT verification", () => {
  test("a tampered signature gets 401", async () => {
    const u = await h.signUp();
    const [head, body, sig] = u.token.split(".");
    const flipped = sig!.slice(0, -2) + (sig!.endsWith("AA") ? "BB" : "AA");
    expect((await me(`${head}.${body}.${flipped}`)).status).toBe(401);
  });

  test("a tampered payload (role escalation) gets 401", async () => {
    const u = await h.signUp();
    const [head, body, sig] = u.token.split(".");
    const claims = JSON.parse(Buffer.from(body!, "base64url").toString());
    expect((await me(`${head}.${b64({ ...claims, role: "admin" })}.${sig}`)).status).toBe(401);
  });

  test("alg none gets 401", async () => {
    const u = await h.signUp();
    const claims = JSON.parse(Buffer.from(u.token.split(".")[1]!, "base64url").toString());
    const res = await me(`${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).code).toBe("UNAUTHORIZED");
  });

  test("a token signed with another secret gets 401", async () => {
    const u = await h.signUp();
    const claims = JSON.parse(Buffer.from(u.token.split(".")[1]!, "base64url").toString());
    expect((await me(await sign(claims, "x".repeat(40), "HS256"))).status).toBe(401);
  });

  test("a token past its exp gets 401 (injected clock)", async () => {
    const u = await h.signUp();
    h.clock.advance(7 * 24 * 3600 * 1000 - 1000);
    expect((await me(u.token)).status).toBe(200);
    h.clock.advance(1000);
    expect((await me(u.token)).status).toBe(401);
  });

  test("a deactivated user's token gets 401", async () => {
    const u = await h.signUp();
    h.core.deps.db.update(users).set({ isActive: false }).where(eq(users.id, u.user.id)).run();
    expect((await me(u.token)).status).toBe(401);
  });

  test("a deleted user's token gets 401", async () => {
    const u = await h.signUp();
    h.core.deps.db.delete(users).where(eq(users.id, u.user.id)).run();
    expect((await me(u.token)).status).toBe(401);
  });

  test("claims carry sub, role, version, iat and exp = iat + 7 days", async () => {
    const u = await h.signUp();
    const claims = JSON.parse(Buffer.from(u.token.split(".")[1]!, "base64url").toString());
    const header = JSON.parse(Buffer.from(u.token.split(".")[0]!, "base64url").toString());
    expect(header.alg).toBe("HS256");
    expect(claims).toMatchObject({ sub: u.user.id, role: "user", ver: 0 });
    expect(claims.exp - claims.iat).toBe(7 * 24 * 3600);
  });

  test("a malformed Authorization header gets 401", async () => {
    const res = await h.request("/api/auth/me", { headers: { authorization: "Basic abc" } });
    expect(res.status).toBe(401);
    expect((await me("not.a.jwt")).status).toBe(401);
  });
});
