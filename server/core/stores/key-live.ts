import { and, isNotNull, isNull, lte, not, type SQL } from "drizzle-orm";
import { apiKeys } from "../../../db/schema.ts";

/** A rolled key whose overlap has ended at `now`: dead, though never revoked. */
export const retired = (now: number): SQL =>
  and(isNotNull(apiKeys.rotatedTo), isNotNull(apiKeys.expiresAt), lte(apiKeys.expiresAt, new Date(now)))!;

/** Keys that count as held (listed by default, counted against the per-user cap): not revoked, not retired. */
export const held = (now: number): SQL => and(isNull(apiKeys.revokedAt), not(retired(now)))!;
