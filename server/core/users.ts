import { and, desc, eq, sql } from "drizzle-orm";
import { users, type UserRow } from "../../db/schema.ts";
import { AppError, conflict, forbidden, notFound, tooManyRequests, unauthorized } from "../errors.ts";
import { throttleKey } from "./address.ts";
import { auditContext } from "./audit-context.ts";
import type { NewUserAction } from "./stores/user-writes.ts";
import { afterCursor, decodeCursor, page } from "./cursor.ts";
import type { CoreDeps } from "./deps.ts";
import type { z } from "zod";
import type { AdminUser, adminUsersQuery, adminUserUpdate, changePasswordInput, RegisterInput, User } from "./schemas.ts";
import type { Hashing, Lane } from "./hashing.ts";
import { share } from "./shared-values.ts";
import { createGeneration, createVersionedCache } from "./keycache.ts";
import { throttled, type Throttle } from "./throttle.ts";
import type { Tokens } from "./tokens.ts";

const FIFTEEN_MINUTES = 15 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
const INVALID_LOGIN = "Invalid email or password";

export const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  isActive: row.isActive,
  createdAt: row.createdAt,
});
const sessionUsers = new WeakMap<UserRow, User>();
/** toUser for a row that requests share (a cached session row): made once per row, and frozen. */
export const sharedUser = (row: UserRow): User => {
  let user = sessionUsers.get(row);
  if (!user) sessionUsers.set(row, (user = share(toUser(row))));
  return user;
};
const toAdminUser = (row: UserRow): AdminUser => ({ ...toUser(row), rateLimit: row.rateLimit });

/**
 * Failed logins, limited so that an attacker cannot lock the owner out (docs/API.md, "Login throttling"): hard
 * limits per address and per email+address pair; the per-email limit is soft, so once it is spent an address
 * may still try while it has no recent failure for this email: guessing from many addresses slows to one
 * guess per address per 15 minutes, and the owner's right password from a clean address still works.
 */
const loginThrottles = (email: string, clientIp: string): Throttle[] => {
  const ip = throttleKey(clientIp); // IPv6 per /64
  return [
    { key: `login:pair:${ip}:${email}`, limit: 10, windowMs: FIFTEEN_MINUTES },
    { key: `login:ip:${ip}`, limit: 50, windowMs: FIFTEEN_MINUTES },
    {
      key: `login:email:${email}`, limit: 10, windowMs: FIFTEEN_MINUTES,
      fallback: { key: `login:fresh:${ip}:${email}`, limit: 1, windowMs: FIFTEEN_MINUTES },
    },
  ];
};

/**
 * Accounts and sessions. `onChange` runs after anything that can cut off a credential; every password hash and
 * verification goes through `hashing`; `revokeKeys` revokes all of a user's API keys (for `revokeKeys: true`).
 */
export function createUsers(
  deps: CoreDeps,
  tokens: Tokens,
  onChange: () => void,
  hashing: Hashing,
  revokeKeys: (userId: string) => Promise<number>,
) {
  const { db, work, clock, config, limiter } = deps;
  const hashPassword = (password: string, lane: Lane = "login") => hashing.hash(password, lane);
  // Verified against when the email is unknown, so both failures cost the same time. Hashed off the event
  // loop from the start, so even the first unknown email costs one verification, not a hash and a verification.
  const dummyHash = hashPassword(crypto.randomUUID());

  const byId = db.select().from(users).where(eq(users.id, sql.placeholder("id"))).prepare();
  // A session is checked against its user's row on every request; the row is kept while the database does not change.
  const sessionRows = createVersionedCache<UserRow>(createGeneration(db, "keys", deps.changes));
  const changed = () => {
    sessionRows.clear();
    onChange();
  };
  const byEmail = db.select().from(users).where(eq(users.email, sql.placeholder("email"))).prepare();

  const session = async (row: UserRow) => ({ ...(await tokens.issue(row)), user: toUser(row) });

  async function create(
    input: RegisterInput & { role?: "user" | "admin" },
    lane: Lane = "login",
    action: NewUserAction = "user.create",
  ): Promise<UserRow> {
    const passwordHash = await hashPassword(input.password, lane);
    const now = new Date(clock.now());
    return work.write("users.insert", {
      audit: auditContext(),
      action,
      values: {
        id: crypto.randomUUID(),
        email: input.email,
        name: input.name ?? null,
        passwordHash,
        role: input.role ?? "user",
        createdAt: now,
        updatedAt: now,
      },
    });
  }

  /** Ends every session of the user (and applies `patch` with it), recorded as `action`. */
  async function bump(
    id: string,
    action: "user.password_change" | "auth.logout_all",
    patch: { passwordHash?: string } = {},
    changes?: Record<string, unknown>,
  ) {
    const row = await work.write("users.update", { id, patch, endSessions: true, now: clock.now(), audit: auditContext(), action, changes });
    changed();
    return row;
  }

  return {
    create,
    findById: (id: string) => byId.get({ id }),
    findByEmail: (email: string) => byEmail.get({ email: email.trim().toLowerCase() }),

    /**
     * Open sign-up; a session for the new account. Every attempt that got this far counts against the
     * address's hourly limit, an existing email too, so sign-up cannot be used to test emails in bulk.
     */
    async register(input: RegisterInput, clientIp: string) {
      if (!config.allowRegistration) throw forbidden("Registration is closed");
      if (config.signupLimitPerHour > 0) {
        const d = await limiter.consume(`signup:ip:${throttleKey(clientIp)}`, config.signupLimitPerHour, HOUR, 1);
        if (!d.allowed) throw tooManyRequests(d.retryAfter, "Too many sign-ups from this address, try again later");
      }
      if (byEmail.get({ email: input.email })) throw conflict("Email is already registered");
      return session(await create(input, "signup", "user.register"));
    },

    /** Same answer and comparable time for an unknown email and a wrong password; see loginThrottles. */
    async login(input: { email: string; password: string }, clientIp: string) {
      const row = byEmail.get({ email: input.email });
      const ok = await throttled(limiter, loginThrottles(input.email, clientIp), "Too many failed login attempts, try again later",
        async () => (await hashing.verify(input.password, row?.passwordHash ?? (await dummyHash))) && row !== undefined);
      // Recorded for the account whose email was tried (if any): its owner sees the attempt in their events. A
      // failure is always "anonymous": over tRPC the request may carry some other credential, which proves nothing here.
      const record = (action: "auth.login" | "auth.login_failed", extra: { actor?: string; changes?: Record<string, unknown> }) =>
        work.write("audit.record", {
          audit: auditContext(), now: clock.now(),
          event: { action, targetType: row ? "user" : null, targetId: row?.id ?? null, subjectUserId: row?.id ?? null, ...extra },
        });
      if (!row || !ok) {
        deps.metrics?.loginFailed();
        await record("auth.login_failed", { actor: "anonymous", changes: { reason: row ? "wrong_password" : "unknown_email" } });
        throw unauthorized(INVALID_LOGIN);
      }
      if (!row.isActive) {
        await record("auth.login_failed", { actor: "anonymous", changes: { reason: "deactivated" } });
        throw forbidden("Account is deactivated");
      }
      await record("auth.login", { actor: row.id });
      return session(row);
    },

    /** The user behind a JWT, re-checked on every request: exists, active, current token version. */
    authenticateToken(token: string): UserRow {
      const { userId, version } = tokens.verify(token);
      const row = sessionRows.get(userId, () => byId.get({ id: userId }));
      if (!row || row.tokenVersion !== version) throw unauthorized("Invalid or expired token");
      if (!row.isActive) throw unauthorized("Account is deactivated");
      return row;
    },

    me(userId: string): User {
      const row = byId.get({ id: userId });
      if (!row) throw notFound("User not found");
      return toUser(row);
    },

    /** Changes the password and ends every session issued before (and every key, if asked); a fresh session. */
    async changePassword(userId: string, input: z.infer<typeof changePasswordInput>) {
      const row = byId.get({ id: userId });
      if (!row) throw notFound("User not found");
      // A stolen session must not become a free password oracle: the same failure limit as login.
      const throttles = [{ key: `password:user:${userId}`, limit: 10, windowMs: FIFTEEN_MINUTES }];
      const ok = await throttled(limiter, throttles, "Too many failed password checks, try again later",
        () => hashing.verify(input.currentPassword, row.passwordHash));
      if (!ok) throw unauthorized("Current password is incorrect");
      const updated = await bump(userId, "user.password_change", { passwordHash: await hashPassword(input.newPassword) }, {
        revokeKeys: input.revokeKeys ?? false,
      });
      if (input.revokeKeys) await revokeKeys(userId);
      return session(updated);
    },

    /** Ends every session of the user; with `revokeKeys`, every API key too. How many keys were revoked. */
    async logoutAll(userId: string, opts: { revokeKeys?: boolean | null } = {}) {
      await bump(userId, "auth.logout_all", {}, { revokeKeys: opts.revokeKeys ?? false });
      return { revokedKeys: opts.revokeKeys ? await revokeKeys(userId) : 0 };
    },

    adminList(q: z.infer<typeof adminUsersQuery>) {
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const rows = db
        .select()
        .from(users)
        .where(
          and(
            q.role ? eq(users.role, q.role) : undefined,
            q.isActive == null ? undefined : eq(users.isActive, q.isActive),
            afterCursor(users.createdAt, users.id, after),
          ),
        )
        .orderBy(desc(users.createdAt), desc(users.id))
        .limit(q.limit + 1)
        .all();
      const p = page(rows, q.limit, (r) => [r.createdAt.getTime(), r.id]);
      return { items: p.items.map(toAdminUser), meta: p.meta };
    },

    /** Role, activation and key ceiling; never leaves the server without an active admin. */
    async adminUpdate(id: string, patch: z.infer<typeof adminUserUpdate>): Promise<AdminUser> {
      const row = await work.write("users.adminUpdate", { id, patch, now: clock.now(), audit: auditContext() });
      changed();
      return toAdminUser(row);
    },

    /** Creates the configured admin when no such user exists; never touches an existing password. */
    /** Creates the configured admin unless the email is taken; says which case it was (a taken email is never changed). */
    async ensureAdmin(email: string, password: string): Promise<"created" | "exists" | "not-admin"> {
      const normalized = email.trim().toLowerCase();
      const taken = () => (byEmail.get({ email: normalized })?.role === "admin" ? "exists" : "not-admin");
      if (byEmail.get({ email: normalized })) return taken();
      try {
        await create({ email: normalized, password, role: "admin" }, "login", "admin.bootstrap");
        return "created";
      } catch (e) {
        if (e instanceof AppError && e.code === "CONFLICT") return taken();
        throw e;
      }
    },
  };
}
export type Users = ReturnType<typeof createUsers>;
