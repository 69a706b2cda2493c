import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { apiKeys, keyQuotaUsage, type ApiKeyRow } from "../../../db/schema.ts";
import { conflict, notFound } from "../../errors.ts";
import type { AuditContext } from "../audit-context.ts";
import { audit } from "./audit-writes.ts";

// Rolls and leak reports, run on the writer thread: each job is one savepoint, so a roll is all or nothing.

type NewSecret = Pick<ApiKeyRow, "id" | "keyHash" | "keyPrefix" | "lastFour" | "createdAt">;

/**
 * Replaces a live key with a new secret carrying the same settings; the old one keeps working until
 * now + grace (or its own earlier expiry). The owner's own key when `userId` is given; 404 for anyone else's.
 */
export function rollKey(
  db: Db,
  args: { id: string; userId: string | null; now: number; graceMs: number; secret: NewSecret; audit: AuditContext },
) {
  const old = db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, args.id), isNull(apiKeys.revokedAt), args.userId === null ? undefined : eq(apiKeys.userId, args.userId)))
    .get();
  if (!old) throw notFound("API key not found");
  if (old.rotatedTo) throw conflict("API key has already been rotated; roll its successor instead");
  const ends = args.now + args.graceMs;
  const expiresAt = old.expiresAt && old.expiresAt.getTime() < ends ? old.expiresAt : new Date(ends);
  // The successor gets a fresh lifetime but every setting, activation included (a deactivated key stays so).
  const row = db
    .insert(apiKeys)
    .values({
      ...args.secret,
      userId: old.userId, name: old.name, scopes: old.scopes, isActive: old.isActive, rateLimit: old.rateLimit,
      meta: old.meta, allowedIps: old.allowedIps, quotaLimit: old.quotaLimit, quotaPeriod: old.quotaPeriod,
      rotatedFrom: old.id,
    })
    .returning()
    .get();
  const previous = db.update(apiKeys).set({ rotatedTo: row.id, expiresAt }).where(eq(apiKeys.id, old.id)).returning().get()!;
  // The quota's spend carries over, so a roll is not a way to reset it.
  const usage = db.select().from(keyQuotaUsage).where(eq(keyQuotaUsage.keyId, old.id)).get();
  if (usage) db.insert(keyQuotaUsage).values({ ...usage, keyId: row.id }).run();
  audit(db, args.audit, args.now, {
    action: "key.roll", targetType: "key", targetId: old.id, subjectUserId: old.userId,
    changes: { name: old.name, newKeyId: row.id, gracePeriodSeconds: args.graceMs / 1000, expiresAt },
  });
  return { row, previous };
}

/**
 * Revokes the live key with this digest as leaked; the same statement runs whether or not one matches. A revoked
 * key gets an event (by "anonymous", whoever sent the report) that its owner sees in their security events.
 */
export function reportLeak(db: Db, args: { hash: string; now: number; audit: AuditContext }) {
  const revoked = db
    .update(apiKeys)
    .set({ revokedAt: new Date(args.now), revokedReason: "leaked", isActive: false })
    .where(and(eq(apiKeys.keyHash, args.hash), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, userId: apiKeys.userId, name: apiKeys.name })
    .get();
  if (!revoked) return;
  audit(db, args.audit, args.now, {
    action: "key.leak_reported", actor: "anonymous", targetType: "key", targetId: revoked.id, subjectUserId: revoked.userId,
    changes: { name: revoked.name, reason: "leaked" },
  });
}
