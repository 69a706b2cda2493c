import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { Database } from "bun:sqlite";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { sign } from "hono/jwt";
import { users } from "../../db/schema.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const SECRET = "s".repeat(40);
let h: Harness;
beforeEach(async () => (h = await createHarness({ jwtSecret: SECRET })));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const userRow = (id: string, of: Harness = h) => of.core.deps.db.select().from(users).where(eq(users.id, id)).get()!;
const login = (email: string, password: string, of: Harness = h) =>
  of.request("/api/auth/login", { method: "POST", json: { email, password } });
const me = (token: string, of: Harness = h) => of.request("/api/auth/me", { token });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());

describe("JWT-only auth routes refuse an API key", () => {
  test("PUT /api/auth/password with only an API key is 401 and changes nothing", async () => {
    const u = await h.signUp();
    const { key } = await h.createKey(u.token);
    const before = userRow(u.user.id);
    const res = await h.request("/api/auth/password", {
      method: "PUT", apiKey: key, json: { currentPassword: u.password, newPassword: "an entirely new one" },
    });
    expect(res.status).toBe(401);
    expect(await json(res)).toEqual({ success: false, error: expect.any(String), code: "UNAUTHORIZED" });
    const after = userRow(u.user.id);
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(after.tokenVersion).toBe(before.tokenVersion);
    expect((await login(u.email, u.password)).status).toBe(200);
    expect((await login(u.email, "an entirely new one")).status).toBe(401);
    expect((await me(u.token)).status).toBe(200);
  });

  test("POST /api/auth/logout-all with only an API key is 401 and every token keeps working", async () => {
    const u = await h.signUp();
    const second = (await json(await login(u.email, u.password))).data.token as string;
    const { key } = await h.createKey(u.token);
    const before = userRow(u.user.id);
    const res = await h.request("/api/auth/logout-all", { method: "POST", apiKey: key });
    expect(res.status).toBe(401);
    expect(await json(res)).toEqual({ success: false, error: expect.any(String), code: "UNAUTHORIZED" });
    expect(userRow(u.user.id).tokenVersion).toBe(before.tokenVersion);
    expect((await me(u.token)).status).toBe(200);
    expect((await me(second)).status).toBe(200);
    expect((await h.request("/api/auth/me", { apiKey: key })).status).toBe(200);
  });
});

describe("PUT /api/auth/password validates newPassword (8 to 256 characters)", () => {
  const change = (token: string, currentPassword: string, newPassword: string) =>
    h.request("/api/auth/password", { method: "PUT", token, json: { currentPassword, newPassword } });

  test("7 and 257 characters are 400 naming newPassword, and nothing changes", async () => {
    const u = await h.signUp();
    const before = userRow(u.user.id);
    for (const newPassword of ["x".repeat(7), "x".repeat(257)]) {
      const res = await change(u.token, u.password, newPassword);
      expect(res.status).toBe(400);
      const body = await json(res);
      expect(body).toMatchObject({ success: false, code: "BAD_REQUEST" });
      expect(body.details).toContainEqual({ field: "newPassword", message: expect.any(String) });
      expect(body.details.map((d: any) => d.field)).toEqual(["newPassword"]);
    }
    const after = userRow(u.user.id);
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(after.tokenVersion).toBe(before.tokenVersion);
    expect((await me(u.token)).status).toBe(200);
  });

  test("8 and 256 characters are accepted; each becomes the password and ends the earlier session", async () => {
    const u = await h.signUp();
    const eight = "12345678";
    const first = await change(u.token, u.password, eight);
    expect(first.status).toBe(200);
    const firstBody = await json(first);
    // (bun's toMatchObject writes asymmetric matchers back into the received object, so plain checks here)
    expect(firstBody.success).toBe(true);
    expect(firstBody.data.user.id).toBe(u.user.id);
    expect(firstBody.data.token).not.toBe(u.token);
    expect(await Bun.password.verify(eight, userRow(u.user.id).passwordHash)).toBe(true);
    expect((await me(u.token)).status).toBe(401);

    const long = "p".repeat(256);
    const second = await change(firstBody.data.token, eight, long);
    expect(second.status).toBe(200);
    expect(await Bun.password.verify(long, userRow(u.user.id).passwordHash)).toBe(true);
    expect((await login(u.email, long)).status).toBe(200);
    expect((await login(u.email, eight)).status).toBe(401);
  });
});

describe("JWT algorithm pinning", () => {
  for (const alg of ["HS384", "HS512"] as const) {
    test(`a token signed ${alg} with the server's own secret is 401`, async () => {
      const u = await h.signUp();
      const claims = claimsOf(u.token);
      // Same claims, same secret, HS256: accepted, so only the algorithm differs below.
      expect((await me(await sign(claims, SECRET, "HS256"))).status).toBe(200);
      const forged = await sign(claims, SECRET, alg);
      expect(JSON.parse(Buffer.from(forged.split(".")[0]!, "base64url").toString()).alg).toBe(alg);
      const res = await me(forged);
      expect(res.status).toBe(401);
      expect(await json(res)).toEqual({ success: false, error: "Invalid or expired token", code: "UNAUTHORIZED" });
    });
  }
});

describe("the generated JWT secret", () => {
  test("two fresh data directories generate different secrets, and one's token is refused by the other", async () => {
    const a = await createHarness();
    const b = await createHarness();
    try {
      const secretA = readFileSync(join(a.dataDir, "jwt-secret"), "utf8").trim();
      const secretB = readFileSync(join(b.dataDir, "jwt-secret"), "utf8").trim();
      expect(Buffer.byteLength(secretA)).toBeGreaterThanOrEqual(32);
      expect(Buffer.byteLength(secretB)).toBeGreaterThanOrEqual(32);
      expect(secretA).not.toBe(secretB);
      expect(statSync(join(a.dataDir, "jwt-secret")).mode & 0o777).toBe(0o600);

      // The same user (id, token version) exists on both, so only the signing secret can tell them apart.
      const u = await a.signUp();
      b.core.deps.db.insert(users).values(userRow(u.user.id, a)).run();
      const fromB = await b.core.tokens.issue(userRow(u.user.id, b));
      expect((await me(fromB.token, b)).status).toBe(200);
      const res = await me(u.token, b);
      expect(res.status).toBe(401);
      expect(await json(res)).toEqual({ success: false, error: "Invalid or expired token", code: "UNAUTHORIZED" });
      expect((await me(u.token, a)).status).toBe(200);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("storage", () => {
  test("SQLite runs in WAL mode, and the file itself is marked WAL", () => {
    expect(h.core.deps.db.$client.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    const other = new Database(join(h.dataDir, "argus.db"), { readonly: true });
    try {
      expect(other.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    } finally {
      other.close();
    }
  });
});

describe("login does not reveal whether an email exists", () => {
  test("an unknown email runs one password verification, like a wrong password, and gets the same body", async () => {
    const u = await h.signUp();
    const original = Bun.password.verify;
    let calls = 0;
    Bun.password.verify = ((...args: Parameters<typeof original>) => {
      calls++;
      return original(...args);
    }) as typeof original;
    try {
      const unknown = await login("nobody-here@example.com", u.password);
      const unknownCalls = calls;
      calls = 0;
      const wrong = await login(u.email, "not the password");
      const wrongCalls = calls;
      expect(unknownCalls).toBe(1);
      expect(wrongCalls).toBe(1);
      expect(unknown.status).toBe(401);
      expect(wrong.status).toBe(401);
      const [unknownBody, wrongBody] = [await unknown.text(), await wrong.text()];
      expect(unknownBody).toBe(wrongBody);
      expect(JSON.parse(unknownBody)).toEqual({ success: false, error: "Invalid email or password", code: "UNAUTHORIZED" });
    } finally {
      Bun.password.verify = original;
    }
    expect(Bun.password.verify).toBe(original);
  });
});
