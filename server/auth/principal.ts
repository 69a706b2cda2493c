import type { Core } from "../core/index.ts";
import type { Scope } from "../core/schemas.ts";
import { assertNotThrottled, recordFailure } from "../core/throttle.ts";
import { AppError, forbidden, unauthorized } from "../errors.ts";

export type Principal = {
  userId: string;
  role: "user" | "admin";
  via: "jwt" | "apiKey";
  keyId?: string;
  scopes?: Scope[];
  rateLimit?: number | null;
};

export type Credentials = { authorization?: string | null; apiKey?: string | null; clientIp: string };

const BAD_KEYS_PER_MINUTE = 50;

/** Who is calling, from either credential; null when none was sent. The one resolver both doors use. */
export async function resolvePrincipal(core: Core, creds: Credentials): Promise<Principal | null> {
  const bearer = creds.authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (creds.authorization && !bearer) throw unauthorized("Authorization header must be 'Bearer <token>'");
  if (bearer) {
    const user = await core.users.authenticateToken(bearer);
    return { userId: user.id, role: user.role, via: "jwt" };
  }
  if (!creds.apiKey) return null;
  const throttle = [{ key: `badkey:${creds.clientIp}`, limit: BAD_KEYS_PER_MINUTE, windowMs: 60_000 }];
  await assertNotThrottled(core.deps.limiter, throttle, "Too many invalid API keys, try again later");
  try {
    const key = core.keys.authenticate(creds.apiKey.trim());
    return { userId: key.userId, role: key.role, via: "apiKey", keyId: key.keyId, scopes: key.scopes, rateLimit: key.rateLimit };
  } catch (e) {
    if (e instanceof AppError && e.code === "UNAUTHORIZED") await recordFailure(core.deps.limiter, throttle);
    throw e;
  }
}

export function requireAuth(p: Principal | null): Principal {
  if (!p) throw unauthorized("Authentication required");
  return p;
}

/** Key management, password changes and admin routes: a leaked API key must not reach them. */
export function requireJwt(p: Principal | null): Principal {
  const principal = requireAuth(p);
  if (principal.via !== "jwt") throw unauthorized("This route requires a JWT; API keys cannot be used here");
  return principal;
}

export function requireAdmin(p: Principal | null): Principal {
  const principal = requireJwt(p);
  if (principal.role !== "admin") throw forbidden("Admin access required");
  return principal;
}

/** Keys carry scopes; a JWT reads anything and writes only as an admin. */
export function requireScope(p: Principal | null, scope: Scope): Principal {
  const principal = requireAuth(p);
  if (principal.via === "apiKey" && !principal.scopes!.includes(scope)) {
    throw forbidden(`This action requires the ${scope} scope`);
  }
  // Writing needs an admin behind the credential, so a write key stops writing when its owner is demoted.
  if (scope === "articles:write" && principal.role !== "admin") throw forbidden("Admin access required");
  return principal;
}
