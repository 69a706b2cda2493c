import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { sign } from "hono/jwt";
import { users } from "../../db/schema.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

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

  test("an API key sent as a bearer token gets 401 saying where keys go, on REST, the feed and tRPC", async () => {
    const u = await h.signUp();
    const { key } = await h.createKey(u.token);
    const srv = listen(h);
    try {
      const sentence = "API keys go in the X-API-Key header, not Authorization";
      const auth = { authorization: `Bearer ${key}` };
      for (const path of ["/api/auth/me", "/api/v1/articles/latest"]) {
        const res = await fetch(srv.url + path, { headers: auth });
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ success: false, error: sentence, code: "UNAUTHORIZED" });
        expect(res.headers.get("x-ratelimit-limit")).toBeNull(); // nothing was charged to the key
      }
      const trpc = await fetch(`${srv.url}/trpc/auth.me`, { headers: auth });
      expect(trpc.status).toBe(401);
      expect(((await trpc.json()) as any).error.json.message).toBe(sentence);
    } finally {
      srv.stop();
    }
  });

  const nowSec = () => Math.floor(h.clock.now() / 1000);
  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
  const SECRET = "s".repeat(40);

  test("a token signed elsewhere with the same secret and the usual header verifies (sessions survive the upgrade)", async () => {
    const u = await h.signUp();
    const token = await sign({ ...claimsOf(u.token), iat: nowSec() - 10 }, SECRET, "HS256");
    expect((await me(token)).status).toBe(200);
  });

  test("iat more than 60 s ahead of the server's clock gets 401; up to 60 s of skew is accepted", async () => {
    const u = await h.signUp();
    const claims = claimsOf(u.token);
    expect((await me(await sign({ ...claims, iat: nowSec() + 60 }, SECRET, "HS256"))).status).toBe(200);
    const ahead = await sign({ ...claims, iat: nowSec() + 61 }, SECRET, "HS256");
    const res = await me(ahead);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ success: false, code: "UNAUTHORIZED", error: "Invalid or expired token" });
    // Once the clock catches up it is a normal token: the refusal is about time, not a cached verdict.
    h.clock.advance(1000);
    expect((await me(ahead)).status).toBe(200);
  });

  test("nbf more than 60 s in the future gets 401; a past nbf is fine", async () => {
    const u = await h.signUp();
    const claims = claimsOf(u.token);
    expect((await me(await sign({ ...claims, nbf: nowSec() + 120 }, SECRET, "HS256"))).status).toBe(401);
    expect((await me(await sign({ ...claims, nbf: nowSec() - 5 }, SECRET, "HS256"))).status).toBe(200);
  });

  test("every other base64url spelling of the valid signature gets 401", async () => {
    const u = await h.signUp();
    expect((await me(u.token)).status).toBe(200); // cached as valid; the spellings below must not ride on that
    const [head, body, sig] = u.token.split(".") as [string, string, string];
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // 32 bytes take 43 characters; the last one carries 2 unused bits, so 3 other characters decode the same.
    const last = alphabet.indexOf(sig.at(-1)!);
    const spellings = [1, 2, 3].map((bits) => sig.slice(0, -1) + alphabet[(last & ~3) | ((last + bits) & 3)]);
    spellings.push(sig + "=", sig + "==", sig.replaceAll("-", "+").replaceAll("_", "/") + "=", ` ${sig}`);
    for (const other of spellings) {
      expect(Buffer.from(other.trim(), "base64url").equals(Buffer.from(sig, "base64url"))).toBe(true);
      expect((await me(`${head}.${body}.${other}`)).status).toBe(401);
    }
  });

  test("a correctly signed token with any other header (alg spelled differently, extra fields) gets 401", async () => {
    const u = await h.signUp();
    const body = u.token.split(".")[1]!;
    for (const header of [{ typ: "JWT", alg: "HS256" }, { alg: "HS256" }, { alg: "HS256", typ: "JWT", kid: "x" }, { alg: "HS512", typ: "JWT" }]) {
      const input = `${b64(header)}.${body}`;
      const mac = new Bun.CryptoHasher("sha256", SECRET).update(input).digest("base64url");
      expect((await me(`${input}.${mac}`)).status).toBe(401);
    }
  });

  test("claims of the wrong type get 401 even when correctly signed", async () => {
    const u = await h.signUp();
    const claims = claimsOf(u.token);
    for (const bad of [{ sub: 1 }, { ver: "0" }, { exp: "never" }, { iat: undefined }, { nbf: "soon" }]) {
      expect((await me(await sign({ ...claims, ...bad }, SECRET, "HS256"))).status).toBe(401);
    }
  });
});
