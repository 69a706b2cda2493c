import { throttleKey } from "../core/address.ts";
import type { Core } from "../core/index.ts";
import type { KeyIdentity } from "../core/key-schemas.ts";
import type { Quota } from "../core/quotas.ts";
import type { Scope, User } from "../core/schemas.ts";
import { share } from "../core/shared-values.ts";
import { sharedUser } from "../core/users.ts";
import { AppError, forbidden, tooManyRequests, unauthorized } from "../errors.ts";

export type Principal = {
  userId: string;
  role: "user" | "admin";
  /** The caller's account as read when the credential was checked, this request. */
  user: User;
  via: "jwt" | "apiKey";
  /** Set when the JWT came from the console's session cookie rather than an Authorization header. */
  cookie?: true;
  keyId?: string;
  /** The key's first 8 characters (`argus_ab`), safe to log. */
  keyPrefix?: string;
  scopes?: Scope[];
  rateLimit?: number | null;
  /** The key behind a key principal: id, name, keyPrefix and its metadata. */
  key?: KeyIdentity;
  quota?: Quota | null;
  /** A key's owner's ceiling over all their keys (null = the server default). */
  userRateLimit?: number | null;
};

export type Credentials = {
  authorization?: string | null;
  apiKey?: string | null;
  /** The console's session cookie, passed only when the door judged the request same-origin. */
  sessionCookie?: string | null;
  /** May be a getter: it is read only when a check needs it (an allowlist, a throttle). */
  clientIp: string;
};

const BAD_KEYS_PER_MINUTE = 50;

/** Who is calling: Authorization, then X-API-Key, then the console's cookie; null when none was sent. The one resolver both doors use. */
export function resolvePrincipal(core: Core, creds: Credentials): Principal | null | Promise<Principal | null> {
  try {
    return resolve(core, creds);
  } catch (e) {
    return Promise.reject(e); // one way to fail, whichever path failed
  }
}

// Synchronous but for a refused key, whose throttle may wait on Redis: most requests never make a promise here.
function resolve(core: Core, creds: Credentials): Principal | null | Promise<Principal | null> {
  const bearer = creds.authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (creds.authorization && !bearer) throw unauthorized("Authorization header must be 'Bearer <token>'");
  if (bearer) {
    // A common habit from other services; say where a key goes rather than call it a bad token.
    if (bearer.startsWith("argus_")) throw unauthorized("API keys go in the X-API-Key header, not Authorization");
    const row = core.users.authenticateToken(bearer);
    return { userId: row.id, role: row.role, user: sharedUser(row), via: "jwt" };
  }
  if (!creds.apiKey) {
    if (!creds.sessionCookie) return null;
    // The same JWT checks as a bearer token: 7-day expiry, and "log out everywhere" ends it.
    const row = core.users.authenticateToken(creds.sessionCookie);
    return { userId: row.id, role: row.role, user: sharedUser(row), via: "jwt", cookie: true };
  }
  try {
    const key = core.keys.authenticate(creds.apiKey.trim(), () => creds.clientIp);
    const { user } = key;
    return {
      userId: user.id, role: user.role, user, via: "apiKey",
      keyId: key.keyId, keyPrefix: key.keyPrefix, scopes: key.scopes, rateLimit: key.rateLimit, userRateLimit: key.userRateLimit,
      key: key.identity, quota: key.quota,
    };
  } catch (e) {
    // Only failures touch the throttle, so a good key costs no extra limiter call (a Redis round trip).
    // A key used from outside its allowlist counts as an invalid one.
    if (e instanceof AppError && (e.code === "UNAUTHORIZED" || e.code === "IP_NOT_ALLOWED")) return refusedKey(core, creds, e);
    throw e;
  }
}

async function refusedKey(core: Core, creds: Credentials, e: AppError): Promise<never> {
  const d = await core.deps.limiter.consume(`badkey:${throttleKey(creds.clientIp)}`, BAD_KEYS_PER_MINUTE, 60_000, 1);
  if (!d.allowed) throw tooManyRequests(d.retryAfter, "Too many invalid API keys, try again later");
  throw e;
}

const answers = new WeakMap<object, User | (User & { key: KeyIdentity })>();
/**
 * Who is calling, as GET /api/auth/me and auth.me answer: the user and, for a key, which key. One shared object
 * per verified row (keyed by the key identity or the user object, which live exactly as long as that row is
 * cached), so the doors serialize it once.
 */
export function whoAmI(p: Principal): User | (User & { key: KeyIdentity }) {
  const id = p.key ?? p.user;
  let me = answers.get(id);
  if (!me) answers.set(id, (me = share(p.key ? { ...p.user, key: p.key } : p.user)));
  return me;
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
