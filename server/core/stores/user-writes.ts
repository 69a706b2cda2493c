import { and, count, eq, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { users, type UserRow } from "../../../db/schema.ts";
import { conflict, notFound } from "../../errors.ts";
import type { AuditContext } from "../audit-context.ts";
import { audit, diff } from "./audit-writes.ts";

// Account writes, run on the writer thread inside its transaction (one savepoint per job), each with its audit event.

const isUniqueViolation = (e: unknown) => e instanceof Error && /UNIQUE constraint failed/.test(e.message);

/** How an account came to be: a sign-up (its own actor), an operator's `users create`, or ARGUS_ADMIN_EMAIL. */
export type NewUserAction = "user.register" | "user.create" | "admin.bootstrap";

export function insertUser(db: Db, args: { values: typeof users.$inferInsert; audit: AuditContext; action: NewUserAction }): UserRow {
  let row: UserRow;
  try {
    row = db.insert(users).values(args.values).returning().get();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict("Email is already registered");
    throw e;
  }
  audit(db, args.audit, row.createdAt.getTime(), {
    action: args.action, targetType: "user", targetId: row.id, subjectUserId: row.id,
    actor: args.action === "user.register" ? row.id : undefined,
    changes: { email: row.email, role: row.role },
  });
  return row;
}

type Patch = Partial<Pick<UserRow, "passwordHash" | "role" | "isActive" | "rateLimit">>;

function patchUser(db: Db, args: { id: string; patch: Patch; endSessions: boolean; now: number }): UserRow {
  const set = Object.fromEntries(Object.entries(args.patch).filter(([, v]) => v !== undefined)) as Patch;
  const row = db
    .update(users)
    .set({ ...set, updatedAt: new Date(args.now), ...(args.endSessions ? { tokenVersion: sql`${users.tokenVersion} + 1` } : {}) })
    .where(eq(users.id, args.id))
    .returning()
    .get();
  if (!row) throw notFound("User not found");
  return row;
}

/**
 * Applies a patch; `endSessions` also bumps the token version, so every JWT issued before stops working. The
 * user's own action (`action`) is recorded with `changes` (never the password hash).
 */
export function updateUser(
  db: Db,
  args: {
    id: string; patch: Patch; endSessions: boolean; now: number; audit: AuditContext;
    action: "user.password_change" | "auth.logout_all"; changes?: Record<string, unknown>;
  },
): UserRow {
  const row = patchUser(db, args);
  audit(db, args.audit, args.now, {
    action: args.action, targetType: "user", targetId: row.id, subjectUserId: row.id, changes: args.changes ?? null,
  });
  return row;
}

/** Role, activation and ceiling by an admin; never leaves the server without an active admin. */
export function adminUpdateUser(
  db: Db,
  args: { id: string; patch: { role?: "user" | "admin"; isActive?: boolean; rateLimit?: number | null }; now: number; audit: AuditContext },
): UserRow {
  const row = db.select().from(users).where(eq(users.id, args.id)).get();
  if (!row) throw notFound("User not found");
  const { patch } = args;
  const losesAdmin = row.role === "admin" && row.isActive && (patch.role === "user" || patch.isActive === false);
  if (losesAdmin) {
    const admins = db.select({ n: count() }).from(users).where(and(eq(users.role, "admin"), eq(users.isActive, true))).get()!.n;
    if (admins <= 1) throw conflict("Cannot remove the last active admin");
  }
  // Roles are read from the database on every request; only deactivation needs to end sessions.
  const updated = patchUser(db, { id: args.id, patch, endSessions: patch.isActive === false && row.isActive, now: args.now });
  audit(db, args.audit, args.now, {
    action: "user.update", targetType: "user", targetId: row.id, subjectUserId: row.id,
    changes: diff({ role: row.role, isActive: row.isActive, rateLimit: row.rateLimit }, patch),
  });
  return updated;
}
