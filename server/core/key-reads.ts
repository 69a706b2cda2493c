import { and, desc, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { apiKeys, users, type ApiKeyRow } from "../../db/schema.ts";
import { notFound } from "../errors.ts";
import { afterCursor, decodeCursor, page } from "./cursor.ts";
import type { CoreDeps } from "./deps.ts";
import { lifecycleFields, quotaOf } from "./key-lifecycle.ts";
import type { LastUsed } from "./lastused.ts";
import { quotaReader } from "./quotas.ts";
import type { adminKeysQuery, AdminKeyRecord, KeyRecord, keysQuery, Scope } from "./schemas.ts";
import { held } from "./stores/key-live.ts";

/**
 * Key records as both doors show them: the caller's own keys and, for admins, anyone's. Short reads, this thread.
 * `unspentQuota` is what this process leased of a key's quota and not yet spent (not counted as used).
 */
export function createKeyReads(deps: CoreDeps, lastUsed: LastUsed, unspentQuota: (keyId: string, periodStart: number) => number) {
  const { db, clock } = deps;
  const quotaState = quotaReader(deps, unspentQuota);
  // A key with a quota costs one indexed read of its spend row; one without, nothing.
  const quotaRecord = (row: ApiKeyRow) => {
    const quota = quotaOf(row);
    return quota && quotaState(row.id, quota);
  };

  const toRecord = (row: ApiKeyRow): KeyRecord => ({
    id: row.id,
    name: row.name,
    keyPrefix: row.keyPrefix,
    lastFour: row.lastFour,
    isActive: row.isActive,
    createdAt: row.createdAt,
    lastUsedAt: lastUsed.latest(row.id, row.lastUsedAt),
    expiresAt: row.expiresAt,
    scopes: row.scopes as Scope[],
    rateLimit: row.rateLimit,
    ...lifecycleFields(row),
    quota: quotaRecord(row),
  });
  const toAdminRecord = (row: ApiKeyRow, userEmail: string): AdminKeyRecord => ({ ...toRecord(row), userId: row.userId, userEmail });

  // One lookup whether the key is someone else's or no one's: the answer and the work are the same.
  const ownById = db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, sql.placeholder("id")), eq(apiKeys.userId, sql.placeholder("userId"))))
    .prepare();
  const byId = db
    .select({ key: apiKeys, userEmail: users.email })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.id, sql.placeholder("id")))
    .prepare();

  return {
    toRecord,
    toAdminRecord,

    /** One page of the caller's keys, newest first: held ones, or every one with includeRevoked. */
    list(userId: string, q: z.infer<typeof keysQuery>) {
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const rows = db
        .select()
        .from(apiKeys)
        .where(
          and(
            eq(apiKeys.userId, userId),
            q.includeRevoked ? undefined : held(clock.now()),
            afterCursor(apiKeys.createdAt, apiKeys.id, after),
          ),
        )
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
        .limit(q.limit + 1)
        .all();
      const p = page(rows, q.limit, (r) => [r.createdAt.getTime(), r.id]);
      return { items: p.items.map(toRecord), meta: p.meta };
    },

    /** One of the caller's keys, revoked and retired ones too; anyone else's is as unknown as a made-up id (404). */
    get(userId: string, id: string): KeyRecord {
      const row = ownById.get({ id, userId });
      if (!row) throw notFound("API key not found");
      return toRecord(row);
    },

    adminList(q: z.infer<typeof adminKeysQuery>) {
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const rows = db
        .select({ key: apiKeys, userEmail: users.email })
        .from(apiKeys)
        .innerJoin(users, eq(users.id, apiKeys.userId))
        .where(
          and(
            q.includeRevoked ? undefined : held(clock.now()),
            q.userId ? eq(apiKeys.userId, q.userId) : undefined,
            q.isActive == null ? undefined : eq(apiKeys.isActive, q.isActive),
            afterCursor(apiKeys.createdAt, apiKeys.id, after),
          ),
        )
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
        .limit(q.limit + 1)
        .all();
      const p = page(rows, q.limit, (r) => [r.key.createdAt.getTime(), r.key.id]);
      return { items: p.items.map((r) => toAdminRecord(r.key, r.userEmail)), meta: p.meta };
    },

    /** Any key, with its owner. */
    adminGet(id: string): AdminKeyRecord {
      const found = byId.get({ id });
      if (!found) throw notFound("API key not found");
      return toAdminRecord(found.key, found.userEmail);
    },

  };
}
