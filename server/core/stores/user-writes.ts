import { and, count, eq, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { users, type UserRow } from "../../../db/schema.ts";
import { conflict, notFound } from "../../errors.ts";

// Account writes, run on the writer thread inside its transaction (one savepoint per job).

const isUniqueViolation = (e: unknown) => e instanceof Error && /UNIQUE constraint failed/.test(e.message);

export function insertUser(db: Db, args: { values: typeof users.$inferInsert }): UserRow {
  try {
    return db.insert(users).values(args.values).returning().get();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict("Email is already registered");
    throw e;
  }
}

type Patch = Partial<Pick<UserRow, "passwordHash" | "role" | "isActive" | "rateLimit">>;

/** Applies a patch; `endSessions` also bumps the token version, so every JWT issued before stops working. */
export function updateUser(db: Db, args: { id: string; patch: Patch; endSessions: boolean; now: number }): UserRow {
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

/** Role, activation and ceiling by an admin; never leaves the server without an active admin. */
export function adminUpdateUser(
  db: Db,
  args: { id: string; patch: { role?: "user" | "admin"; isActive?: boolean; rateLimit?: number | null }; now: number },
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
  return updateUser(db, { id: args.id, patch, endSessions: patch.isActive === false && row.isActive, now: args.now });
}
