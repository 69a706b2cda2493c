import { and, count, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { apiKeys, users, type ApiKeyRow } from "../../../db/schema.ts";
import { conflict, notFound } from "../../errors.ts";
import { held } from "./key-live.ts";

// API-key writes, run on the writer thread inside its transaction (one savepoint per job).

const notFoundKey = () => notFound("API key not found");
const live = (id: string) => and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt));

/** Inserts a key unless its owner already has `maxKeys` unrevoked ones (checked in the same transaction). */
export function insertKey(db: Db, args: { values: typeof apiKeys.$inferInsert; maxKeys: number }): ApiKeyRow {
  const holding = db
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, args.values.userId), held(args.values.createdAt!.getTime())))
    .get()!.n;
  if (holding >= args.maxKeys) {
    throw conflict(`You already have ${args.maxKeys} API keys, the most one account may hold; revoke one you no longer use first`);
  }
  return db.insert(apiKeys).values(args.values).returning().get();
}

/** Revokes a live key, the owner's own when `userId` is given; 404 for anyone else's. */
export function revokeKey(db: Db, args: { id: string; userId: string | null; now: number; reason?: string | null }) {
  const revoked = db
    .update(apiKeys)
    .set({ revokedAt: new Date(args.now), revokedReason: args.reason ?? null, isActive: false })
    .where(and(live(args.id), args.userId === null ? undefined : eq(apiKeys.userId, args.userId)))
    .returning({ id: apiKeys.id })
    .all();
  if (revoked.length === 0) throw notFoundKey();
}

/** Revokes every live key of the user (after a compromise); how many. */
export function revokeAllKeys(db: Db, args: { userId: string; now: number }): number {
  return db
    .update(apiKeys)
    .set({ revokedAt: new Date(args.now), isActive: false })
    .where(and(eq(apiKeys.userId, args.userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id })
    .all().length;
}

type KeyPatch = Partial<Pick<ApiKeyRow, "isActive" | "rateLimit" | "meta" | "allowedIps" | "quotaLimit" | "quotaPeriod">>;

export function updateKey(db: Db, args: { id: string; patch: KeyPatch }) {
  const patch = Object.fromEntries(Object.entries(args.patch).filter(([, v]) => v !== undefined));
  const row = Object.keys(patch).length > 0
    ? db.update(apiKeys).set(patch).where(live(args.id)).returning().get()
    : db.select().from(apiKeys).where(live(args.id)).get();
  if (!row) throw notFoundKey();
  const owner = db.select({ email: users.email }).from(users).where(eq(users.id, row.userId)).get()!;
  return { row, userEmail: owner.email };
}

export function deleteKey(db: Db, args: { id: string }) {
  const deleted = db.delete(apiKeys).where(eq(apiKeys.id, args.id)).returning({ id: apiKeys.id }).all();
  if (deleted.length === 0) throw notFoundKey();
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
