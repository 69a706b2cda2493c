import { and, count, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { apiKeys, users, type ApiKeyRow } from "../../../db/schema.ts";
import { conflict, notFound } from "../../errors.ts";
import type { AuditContext } from "../audit-context.ts";
import { audit, auditAll, diff } from "./audit-writes.ts";
import { held } from "./key-live.ts";

// API-key writes, run on the writer thread inside its transaction (one savepoint per job), each with its audit event.

const notFoundKey = () => notFound("API key not found");
const live = (id: string) => and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt));

/** Inserts a key unless its owner already has `maxKeys` unrevoked ones (checked in the same transaction). */
export function insertKey(db: Db, args: { values: typeof apiKeys.$inferInsert; maxKeys: number; audit: AuditContext }): ApiKeyRow {
  const holding = db
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, args.values.userId), held(args.values.createdAt!.getTime())))
    .get()!.n;
  if (holding >= args.maxKeys) {
    throw conflict(`You already have ${args.maxKeys} API keys, the most one account may hold; revoke one you no longer use first`);
  }
  const row = db.insert(apiKeys).values(args.values).returning().get();
  audit(db, args.audit, row.createdAt.getTime(), {
    action: "key.create", targetType: "key", targetId: row.id, subjectUserId: row.userId,
    changes: { name: row.name, keyPrefix: row.keyPrefix, scopes: row.scopes, expiresAt: row.expiresAt },
  });
  return row;
}

/** Revokes a live key, the owner's own when `userId` is given; 404 for anyone else's. */
export function revokeKey(db: Db, args: { id: string; userId: string | null; now: number; reason?: string | null; audit: AuditContext }) {
  const revoked = db
    .update(apiKeys)
    .set({ revokedAt: new Date(args.now), revokedReason: args.reason ?? null, isActive: false })
    .where(and(live(args.id), args.userId === null ? undefined : eq(apiKeys.userId, args.userId)))
    .returning({ id: apiKeys.id, userId: apiKeys.userId, name: apiKeys.name })
    .get();
  if (!revoked) throw notFoundKey();
  audit(db, args.audit, args.now, {
    action: "key.revoke", targetType: "key", targetId: revoked.id, subjectUserId: revoked.userId,
    changes: { name: revoked.name, reason: args.reason ?? null },
  });
}

/**
 * Revokes every live key of the user (after a compromise); how many. Each key gets its own key.revoke event (so
 * "who revoked key X" has an answer per key), then one key.revoke_all sums them up.
 */
export function revokeAllKeys(db: Db, args: { userId: string; now: number; audit: AuditContext }): number {
  const revoked = db
    .update(apiKeys)
    .set({ revokedAt: new Date(args.now), isActive: false })
    .where(and(eq(apiKeys.userId, args.userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, name: apiKeys.name })
    .all();
  auditAll(db, args.audit, args.now, [
    ...revoked.map((k) => ({
      action: "key.revoke" as const, targetType: "key" as const, targetId: k.id, subjectUserId: args.userId,
      changes: { name: k.name, reason: null, revokeAll: true },
    })),
    {
      action: "key.revoke_all", targetType: "user", targetId: args.userId, subjectUserId: args.userId,
      changes: { count: revoked.length },
    },
  ]);
  return revoked.length;
}

type KeyPatch = Partial<Pick<ApiKeyRow, "isActive" | "rateLimit" | "meta" | "allowedIps" | "quotaLimit" | "quotaPeriod">>;

/** An admin's change to a live key, recorded as `{ field: { from, to } }`. */
export function updateKey(db: Db, args: { id: string; patch: KeyPatch; now: number; audit: AuditContext }) {
  const patch = Object.fromEntries(Object.entries(args.patch).filter(([, v]) => v !== undefined)) as KeyPatch;
  const before = db.select().from(apiKeys).where(live(args.id)).get();
  if (!before) throw notFoundKey();
  const row = Object.keys(patch).length > 0 ? db.update(apiKeys).set(patch).where(live(args.id)).returning().get()! : before;
  audit(db, args.audit, args.now, {
    action: "key.update", targetType: "key", targetId: row.id, subjectUserId: row.userId, changes: diff(before, patch),
  });
  const owner = db.select({ email: users.email }).from(users).where(eq(users.id, row.userId)).get()!;
  return { row, userEmail: owner.email };
}

export function deleteKey(db: Db, args: { id: string; now: number; audit: AuditContext }) {
  const deleted = db
    .delete(apiKeys)
    .where(eq(apiKeys.id, args.id))
    .returning({ id: apiKeys.id, userId: apiKeys.userId, name: apiKeys.name, keyPrefix: apiKeys.keyPrefix })
    .get();
  if (!deleted) throw notFoundKey();
  audit(db, args.audit, args.now, {
    action: "key.delete", targetType: "key", targetId: deleted.id, subjectUserId: deleted.userId,
    changes: { name: deleted.name, keyPrefix: deleted.keyPrefix },
  });
}

/** Write-behind lastUsedAt: one statement per key, never moving a stored time backwards. */
export function touchKeys(db: Db, args: { uses: [id: string, at: number][] }) {
  const update = db
    .update(apiKeys)
    .set({ lastUsedAt: sql`max(coalesce(${apiKeys.lastUsedAt}, 0), ${sql.placeholder("at")})` })
    .where(eq(apiKeys.id, sql.placeholder("id")))
    .prepare();
  for (const [id, at] of args.uses) update.run({ id, at });
}
