import { sign, verify } from "hono/jwt";
import type { Clock } from "../clock.ts";
import { unauthorized } from "../errors.ts";

export const TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60;
const MAX_VERIFIED = 10_000;

type Claims = { sub: string; role: string; ver: number; iat: number; exp: number };

/** HS256 session tokens. Time checks use the injected clock; the algorithm is pinned. */
export function createTokens(secret: string, clock: Clock) {
  // Imported once: handing hono/jwt the raw string would re-import the HMAC key on every request.
  const key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
  // A token string whose signature checked out once always will: remember it (bounded), since WebCrypto's
  // HMAC costs ~50 µs a request here. Expiry and the user's state are still checked every time.
  const verified = new Map<string, { userId: string; version: number; exp: number }>();

  async function checkSignature(token: string) {
    let payload: Record<string, unknown>;
    try {
      payload = await verify(token, await key, { alg: "HS256", exp: false, iat: false, nbf: false });
    } catch {
      throw unauthorized("Invalid or expired token");
    }
    const { sub, ver, exp } = payload;
    if (typeof sub !== "string" || typeof ver !== "number" || typeof exp !== "number") {
      throw unauthorized("Invalid or expired token");
    }
    return { userId: sub, version: ver, exp };
  }

  return {
    async issue(user: { id: string; role: string; tokenVersion: number }) {
      const iat = Math.floor(clock.now() / 1000);
      const exp = iat + TOKEN_TTL_SECONDS;
      const claims: Claims = { sub: user.id, role: user.role, ver: user.tokenVersion, iat, exp };
      return { token: await sign(claims, await key, "HS256"), expiresAt: new Date(exp * 1000) };
    },

    /** Signature, algorithm and expiry only; the caller re-checks the user. */
    async verify(token: string): Promise<{ userId: string; version: number }> {
      let claims = verified.get(token);
      if (!claims) {
        claims = await checkSignature(token);
        if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
        verified.set(token, claims);
      }
      if (claims.exp * 1000 <= clock.now()) throw unauthorized("Invalid or expired token");
      return { userId: claims.userId, version: claims.version };
    },
  };
}
export type Tokens = ReturnType<typeof createTokens>;
