import { timingSafeEqual } from "node:crypto";
import type { Clock } from "../clock.ts";
import { unauthorized } from "../errors.ts";

export const TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60;
/** How far ahead of our clock `iat`/`nbf` may be (another host's clock skew), and no further. */
export const MAX_CLOCK_SKEW_SECONDS = 60;
const MAX_VERIFIED = 10_000;

// The one header Argus signs. Verification compares the segment byte for byte, which pins HS256 (no `none`, no
// key confusion) without parsing attacker JSON first.
const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

type Claims = { sub: string; role: string; ver: number; iat: number; exp: number };
type Verified = { userId: string; version: number; exp: number; notBefore: number };

const invalid = () => unauthorized("Invalid or expired token");
const isTime = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** HS256 session tokens, signed and checked synchronously; time checks use the injected clock. */
export function createTokens(secret: string, clock: Clock) {
  // A keyed HMAC whose inner state is copied per token (~1 µs) rather than re-keyed (~6 µs).
  const keyed = new Bun.CryptoHasher("sha256", secret);
  const mac = (signingInput: string) => keyed.copy().update(signingInput).digest("base64url");
  // A token whose signature checked out once always will: remember it (bounded). Time and the user's state are
  // still checked every time.
  const verified = new Map<string, Verified>();

  function checkSignature(token: string): Verified {
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== HEADER) throw invalid();
    // Our own encoding of the right MAC is the only accepted spelling: base64url has several spellings of the
    // same bytes (padding, the unused low bits of the last character), and each would be another valid token.
    const expected = Buffer.from(mac(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();

    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    } catch {
      throw invalid();
    }
    const { sub, ver, exp, iat, nbf } = payload ?? {};
    if (typeof sub !== "string" || !Number.isSafeInteger(ver) || !isTime(exp) || !isTime(iat)) throw invalid();
    if (nbf !== undefined && !isTime(nbf)) throw invalid();
    return { userId: sub, version: ver as number, exp, notBefore: Math.max(iat, (nbf as number | undefined) ?? iat) };
  }

  return {
    issue(user: { id: string; role: string; tokenVersion: number }) {
      const iat = Math.floor(clock.now() / 1000);
      const exp = iat + TOKEN_TTL_SECONDS;
      const claims: Claims = { sub: user.id, role: user.role, ver: user.tokenVersion, iat, exp };
      const signingInput = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
      return { token: `${signingInput}.${mac(signingInput)}`, expiresAt: new Date(exp * 1000) };
    },

    /** Signature, algorithm and time claims only; the caller re-checks the user. */
    verify(token: string): { userId: string; version: number } {
      let claims = verified.get(token);
      if (!claims) {
        claims = checkSignature(token);
        if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
        verified.set(token, claims);
      }
      const now = clock.now() / 1000;
      // Issued (or valid from) more than the allowed skew in the future: not a token this server's clock made.
      if (claims.exp <= now || claims.notBefore > now + MAX_CLOCK_SKEW_SECONDS) throw invalid();
      return { userId: claims.userId, version: claims.version };
    },
  };
}
export type Tokens = ReturnType<typeof createTokens>;
