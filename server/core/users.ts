import { and, desc, eq, sql } from "drizzle-orm";
import { users, type UserRow } from "../../db/schema.ts";
import { AppError, conflict, forbidden, notFound, unauthorized } from "../errors.ts";
import { afterCursor, decodeCursor, page } from "./cursor.ts";
import type { CoreDeps } from "./deps.ts";
import type { z } from "zod";
import type { adminUsersQuery, adminUserUpdate, changePasswordInput, RegisterInput, User } from "./schemas.ts";
import { takeAttempt, type Throttle } from "./throttle.ts";
import type { Tokens } from "./tokens.ts";

const FIFTEEN_MINUTES = 15 * 60 * 1000;
const INVALID_LOGIN = "Invalid email or password";

export const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  isActive: row.isActive,
  createdAt: row.createdAt,
});

/** Accounts and sessions. `onChange` runs after anything that can cut off a credential. */
export function createUsers(deps: CoreDeps, tokens: Tokens, onChange: () => void) {
  const { db, work, clock, config, limiter } = deps;
  const hashPassword = (password: string) =>
    Bun.password.hash(password, { algorithm: "argon2id", ...deps.passwordCost });
  // Verified against when the email is unknown, so both failures cost the same time. Hashed off the event
  // loop from the start, so even the first unknown email costs one verification, not a hash and a verification.
  const dummyHash = hashPassword(crypto.randomUUID());

  const byId = db.select().from(users).where(eq(users.id, sql.placeholder("id"))).prepare();
  const byEmail = db.select().from(users).where(eq(users.email, sql.placeholder("email"))).prepare();

  const session = async (row: UserRow) => ({ ...(await tokens.issue(row)), user: toUser(row) });

  async function create(input: RegisterInput & { role?: "user" | "admin" }): Promise<UserRow> {
    const passwordHash = await hashPassword(input.password);
    const now = new Date(clock.now());
    return work.write("users.insert", {
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

  /** Ends every session of the user (and applies `patch` with it). */
  async function bump(id: string, patch: { passwordHash?: string } = {}) {
    const row = await work.write("users.update", { id, patch, endSessions: true, now: clock.now() });
    onChange();
    return row;
  }

  return {
    create,
    findById: (id: string) => byId.get({ id }),
    findByEmail: (email: string) => byEmail.get({ email: email.trim().toLowerCase() }),

    /** Open sign-up; a session for the new account. */
    async register(input: RegisterInput) {
      if (!config.allowRegistration) throw forbidden("Registration is closed");
      if (byEmail.get({ email: input.email })) throw conflict("Email is already registered");
      return session(await create(input));
    },

    /** Same answer and comparable time for an unknown email and a wrong password; throttled per email and address. */
    async login(input: { email: string; password: string }, clientIp: string) {
      const throttles: Throttle[] = [
        { key: `login:email:${input.email}`, limit: 10, windowMs: FIFTEEN_MINUTES },
        { key: `login:ip:${clientIp}`, limit: 50, windowMs: FIFTEEN_MINUTES },
      ];
      const attempt = await takeAttempt(limiter, throttles, "Too many failed login attempts, try again later");
      const row = byEmail.get({ email: input.email });
      const ok = await Bun.password.verify(input.password, row?.passwordHash ?? (await dummyHash));
      if (!row || !ok) {
        deps.metrics?.loginFailed();
        throw unauthorized(INVALID_LOGIN);
      }
      await attempt.succeeded();
      if (!row.isActive) throw forbidden("Account is deactivated");
      return session(row);
    },

    /** The user behind a JWT, re-checked on every request: exists, active, current token version. */
    async authenticateToken(token: string): Promise<UserRow> {
      const { userId, version } = await tokens.verify(token);
      const row = byId.get({ id: userId });
      if (!row || row.tokenVersion !== version) throw unauthorized("Invalid or expired token");
      if (!row.isActive) throw unauthorized("Account is deactivated");
      return row;
    },

    me(userId: string): User {
      const row = byId.get({ id: userId });
      if (!row) throw notFound("User not found");
      return toUser(row);
    },

    /** Changes the password and ends every session issued before; returns a fresh session. */
    async changePassword(userId: string, input: z.infer<typeof changePasswordInput>) {
      const row = byId.get({ id: userId });
      if (!row) throw notFound("User not found");
      // A stolen session must not become a free password oracle: the same failure limit as login.
      const throttles = [{ key: `password:user:${userId}`, limit: 10, windowMs: FIFTEEN_MINUTES }];
      const attempt = await takeAttempt(limiter, throttles, "Too many failed password checks, try again later");
      if (!(await Bun.password.verify(input.currentPassword, row.passwordHash))) {
        throw unauthorized("Current password is incorrect");
      }
      await attempt.succeeded();
      return session(await bump(userId, { passwordHash: await hashPassword(input.newPassword) }));
    },

    async logoutAll(userId: string) {
      await bump(userId);
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
      return { items: p.items.map(toUser), meta: p.meta };
    },

    /** Role and activation; never leaves the server without an active admin. */
    async adminUpdate(id: string, patch: z.infer<typeof adminUserUpdate>): Promise<User> {
      const row = await work.write("users.adminUpdate", { id, patch, now: clock.now() });
      onChange();
      return toUser(row);
    },

    /** Creates the configured admin when no such user exists; never touches an existing password. */
    async ensureAdmin(email: string, password: string) {
      const normalized = email.trim().toLowerCase();
      if (byEmail.get({ email: normalized })) return false;
      try {
        await create({ email: normalized, password, role: "admin" });
        return true;
      } catch (e) {
        if (e instanceof AppError && e.code === "CONFLICT") return false;
        throw e;
      }
    },
  };
}
export type Users = ReturnType<typeof createUsers>;
