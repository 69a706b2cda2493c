import type { z } from "zod";
import type { ApiKeyRow } from "../../db/schema.ts";
import { cidrMatcher } from "./cidr.ts";
import type { CoreDeps } from "./deps.ts";
import type { keyLifecycleFields, keySettings, rollInput } from "./key-schemas.ts";
import { digestKey, generateKey } from "./keyformat.ts";
import type { Keys } from "./keys.ts";
import type { Quota, Quotas } from "./quotas.ts";
import { tooManyRequests } from "../errors.ts";
import { throttleKey } from "./address.ts";
import { auditContext } from "./audit-context.ts";

type Settings = { [K in keyof typeof keySettings]?: z.infer<(typeof keySettings)[K]> };
type LifecycleFields = { [K in keyof typeof keyLifecycleFields]: z.infer<(typeof keyLifecycleFields)[K]> };

/** Leak reports per client address and minute: enough for a scanner's batch, too few to probe for keys. */
export const LEAK_REPORTS_PER_MINUTE = 20;

/** The settings a key is created with, as columns. */
export const settingsValues = (s: Settings) => ({
  meta: s.meta ?? null,
  allowedIps: s.allowedIps ?? null,
  quotaLimit: s.quota?.limit ?? null,
  quotaPeriod: s.quota?.period ?? null,
});

/** The key's quota setting, or null when it has none. */
export const quotaOf = (row: ApiKeyRow): Quota | null =>
  row.quotaLimit && row.quotaPeriod ? { limit: row.quotaLimit, period: row.quotaPeriod } : null;

/** The record's lifecycle fields but the quota (whose state takes a read: server/core/quotas.ts quotaReader). */
export const lifecycleFields = (row: ApiKeyRow): Omit<LifecycleFields, "quota"> => ({
  meta: row.meta ?? null,
  allowedIps: row.allowedIps ?? null,
  revokedAt: row.revokedAt,
  revokedReason: row.revokedReason,
  rotatedTo: row.rotatedTo,
  rotatedFrom: row.rotatedFrom,
});

// Parsed once per cached row (the key cache hands out the same object until something changes).
const matchers = new WeakMap<ApiKeyRow, (address: string) => boolean>();

/** True when the key has no allowlist or the canonical client address falls in one of its CIDRs. */
export function allowsAddress(row: ApiKeyRow, clientIp: string): boolean {
  if (!row.allowedIps) return true;
  let match = matchers.get(row);
  if (!match) matchers.set(row, (match = cidrMatcher(row.allowedIps)));
  return match(clientIp);
}

/** Rolling keys with an overlap, and revoking keys that someone reports as leaked. */
export function createKeyLifecycle(deps: CoreDeps, keys: Keys, quotas: Pick<Quotas, "release">) {
  const { work, clock, limiter } = deps;
  return {
    /** A new secret with the old key's settings, shown once; the old one lives on for the grace period. */
    async roll(userId: string | null, id: string, input: z.infer<typeof rollInput>) {
      const key = generateKey();
      const secret = {
        id: crypto.randomUUID(), keyHash: digestKey(key), keyPrefix: key.slice(0, 8), lastFour: key.slice(-4),
        createdAt: new Date(clock.now()),
      };
      // The roll copies the spend row: units this process leased and did not spend must be back in it first.
      await quotas.release(id);
      const { row, previous } = await work.write("keys.roll", {
        id, userId, now: clock.now(), graceMs: input.gracePeriodSeconds * 1000, secret, audit: auditContext(),
      });
      keys.invalidate();
      return { ...keys.record(row), key, previous: keys.record(previous) };
    },

    /**
     * Revokes a reported key if it is a live one. Whatever was sent, the caller learns nothing: the same
     * digest and the same write job run for a malformed, unknown, revoked or live key, and the answer is the same.
     */
    async reportLeak(plaintext: string, clientIp: string) {
      // Every report counts, found or not (counting only hits would be an oracle of its own).
      const d = await limiter.consume(`leak:${throttleKey(clientIp)}`, LEAK_REPORTS_PER_MINUTE, 60_000, 1);
      if (!d.allowed) throw tooManyRequests(d.retryAfter, "Too many leak reports from this address, try again later");
      await work.write("keys.reportLeak", { hash: digestKey(plaintext.trim()), now: clock.now(), audit: auditContext() });
      keys.invalidate();
    },
  };
}
export type KeyLifecycle = ReturnType<typeof createKeyLifecycle>;
