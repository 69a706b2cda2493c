import { eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { apiKeys, users, type ApiKeyRow, type UserRow } from "../../db/schema.ts";
import { AppError, badRequest, forbidden, unauthorized } from "../errors.ts";
import { auditContext } from "./audit-context.ts";
import type { CoreDeps } from "./deps.ts";
import { allowsAddress, quotaOf, settingsValues } from "./key-lifecycle.ts";
import type { KeyIdentity } from "./key-schemas.ts";
import type { Quota } from "./quotas.ts";
import { createGeneration, createVersionedCache } from "./keycache.ts";
import { digestKey, generateKey, isWellFormedKey } from "./keyformat.ts";
import { createLastUsed } from "./lastused.ts";
import { createKeyReads } from "./key-reads.ts";
import { share } from "./shared-values.ts";
import type { adminKeyUpdate, AdminKeyRecord, createKeyInput, Scope, User } from "./schemas.ts";
import { toUser } from "./users.ts";
import type { KeyOutcome } from "../observability/metrics.ts";
import type { UsageOutcome } from "./usage-schemas.ts";

export type AuthenticatedKey = {
  keyId: string;
  keyPrefix: string;
  user: User;
  scopes: Scope[];
  rateLimit: number | null;
  /** The owner's ceiling over all their keys (null = the server default). */
  userRateLimit: number | null;
  identity: KeyIdentity;
  quota: Quota | null;
};

/** API keys: minted once, stored as a SHA-256 digest, checked on every use against fresh state. */
export function createKeys(
  deps: CoreDeps,
  usage?: { count(keyId: string, outcome: UsageOutcome): void },
  unspentQuota: (keyId: string, periodStart: number) => number = () => 0,
) {
  const { db, work, clock, config } = deps;
  const cache = createVersionedCache<{ key: ApiKeyRow; user: UserRow }>(createGeneration(db, "keys", deps.changes));
  const lastUsed = createLastUsed(work, clock, deps.logger);
  // What a cached row says about its caller, worked out once per row (the checks run on every request).
  const callers = new WeakMap<object, AuthenticatedKey>();
  const reads = createKeyReads(deps, lastUsed, unspentQuota);
  const { toRecord, toAdminRecord } = reads;
  const byDigest = db
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, sql.placeholder("hash")))
    .prepare();
  /** A refusal, counted by outcome. */
  const deny = (outcome: KeyOutcome, message: string) => {
    deps.metrics?.keyVerified(outcome);
    return unauthorized(message);
  };
  /** A refusal of a key that exists: also counted in its usage. */
  const refuse = (keyId: string, outcome: "revoked" | "deactivated" | "expired" | "owner_deactivated", message: string) => {
    usage?.count(keyId, outcome === "owner_deactivated" ? "deactivated" : outcome);
    return deny(outcome, message);
  };

  // A change this process made is visible to the cache at once (other processes' via the change counter).
  const changed = <T>(result: T): T => {
    cache.clear();
    return result;
  };

  return {
    list: reads.list,
    get: reads.get,
    adminList: reads.adminList,
    adminGet: reads.adminGet,

    /** Mints a key; the plaintext is in this return value and nowhere else, ever. */
    async create(owner: { userId: string; role: string }, input: z.infer<typeof createKeyInput>) {
      const scopes = [...new Set(input.scopes ?? ["articles:read"])] as Scope[];
      if (scopes.includes("articles:write") && owner.role !== "admin") {
        throw forbidden("Only an admin can create a key with the articles:write scope");
      }
      if (input.expiresAt && input.expiresAt.getTime() <= clock.now()) {
        throw badRequest("Validation failed", [{ field: "expiresAt", message: "must be in the future" }]);
      }
      const key = generateKey();
      const row = await work.write("keys.insert", {
        maxKeys: config.maxKeysPerUser,
        audit: auditContext(),
        values: {
          id: crypto.randomUUID(),
          userId: owner.userId,
          name: input.name,
          keyHash: digestKey(key),
          keyPrefix: key.slice(0, 8),
          lastFour: key.slice(-4),
          scopes,
          expiresAt: input.expiresAt ?? null,
          createdAt: new Date(clock.now()),
          ...settingsValues(input),
        },
      });
      return { ...toRecord(row), key };
    },

    /** Revokes one of the caller's own keys (anyone else's looks like it does not exist); no owner = an operator. */
    async revoke(userId: string | null, id: string, reason?: string | null) {
      changed(await work.write("keys.revoke", { id, userId, now: clock.now(), reason, audit: auditContext() }));
    },

    /** Revokes every live key of the user (after a compromise); how many. */
    async revokeAll(userId: string): Promise<number> {
      return changed(await work.write("keys.revokeAll", { userId, now: clock.now(), audit: auditContext() }));
    },

    /** The key's owner and limits, or a 401 that says why (unknown keys stay generic), or 403 from elsewhere. */
    authenticate(plaintext: string, clientIp: () => string): AuthenticatedKey {
      if (!isWellFormedKey(plaintext)) throw deny("invalid", "Invalid API key");
      const hash = digestKey(plaintext);
      const found = cache.get(hash, () => byDigest.get({ hash }));
      if (!found) throw deny("invalid", "Invalid API key");
      const { key, user } = found;
      if (key.revokedAt) throw refuse(key.id, "revoked", "API key has been revoked");
      if (!key.isActive) throw refuse(key.id, "deactivated", "API key is deactivated");
      if (key.expiresAt && key.expiresAt.getTime() <= clock.now()) {
        throw refuse(key.id, "expired", key.rotatedTo ? "API key has been rotated" : "API key has expired");
      }
      if (!user.isActive) throw refuse(key.id, "owner_deactivated", "Account is deactivated");
      if (key.allowedIps && !allowsAddress(key, clientIp())) {
        usage?.count(key.id, "ipNotAllowed");
        throw new AppError("IP_NOT_ALLOWED", "This API key may not be used from this address");
      }
      lastUsed.touch(key.id);
      deps.metrics?.keyVerified("ok");
      let caller = callers.get(found);
      if (!caller) {
        const identity = { id: key.id, name: key.name, keyPrefix: key.keyPrefix, meta: key.meta ?? null };
        caller = share({
          keyId: key.id, keyPrefix: key.keyPrefix, user: toUser(user), scopes: key.scopes as Scope[], rateLimit: key.rateLimit,
          userRateLimit: user.rateLimit, identity, quota: quotaOf(key),
        });
        callers.set(found, caller);
      }
      return caller;
    },

    /** Activation and per-key limit; effective on the next request. */
    async adminUpdate(id: string, patch: z.infer<typeof adminKeyUpdate>): Promise<AdminKeyRecord> {
      const { quota, ...rest } = patch;
      const settings = quota === undefined ? {} : { quotaLimit: quota?.limit ?? null, quotaPeriod: quota?.period ?? null };
      const { row, userEmail } = changed(await work.write("keys.update", { id, patch: { ...rest, ...settings }, now: clock.now(), audit: auditContext() }));
      return toAdminRecord(row, userEmail);
    },

    async adminDelete(id: string) {
      changed(await work.write("keys.delete", { id, now: clock.now(), audit: auditContext() }));
      lastUsed.forget(id);
    },

    record: toRecord,
    /** Called when something outside this service (a user's status) changes what a key may do. */
    invalidate: () => cache.clear(),
    flush: () => lastUsed.flush(),
    close: () => lastUsed.close(),
  };
}
export type Keys = ReturnType<typeof createKeys>;
