import { z } from "zod";
import { idParam, isoDate } from "./schemas.ts";

// Per-key usage (issue 12): how each key request ended, counted per key and minute, rolled up to hours and days.

/** How a request made with a known key ended; one counter (and one column of key_usage) each. */
export const USAGE_OUTCOMES = [
  "ok", "rateLimited", "quotaExceeded", "forbidden", "ipNotAllowed", "revoked", "expired", "deactivated", "notFound",
] as const;
export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];
export const usageOutcomeSchema = z.enum(USAGE_OUTCOMES);

export const GRANULARITIES = ["minute", "hour", "day"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A bucket's length, in ms. */
export const UNIT_MS: Record<Granularity, number> = { minute: MINUTE, hour: HOUR, day: DAY };
/** How long rows of each unit are kept (days: for good). */
export const RETENTION_MS: Record<Granularity, number> = { minute: 48 * HOUR, hour: 90 * DAY, day: Infinity };
/** The range asked for when `since` is left out. */
export const DEFAULT_SPAN_MS: Record<Granularity, number> = { minute: HOUR, hour: 24 * HOUR, day: 30 * DAY };
/** The widest range one query may ask for, so an answer holds at most ~3,000 points. */
export const MAX_SPAN_MS: Record<Granularity, number> = { minute: 48 * HOUR, hour: 90 * DAY, day: 3 * 366 * DAY };
/** Admin totals: the range asked for when `since` is left out. */
export const DEFAULT_TOTALS_SPAN_MS = 24 * HOUR;

const counter = z.number().int().min(0);
export const usageCountsSchema = z.object(
  Object.fromEntries(USAGE_OUTCOMES.map((o) => [o, counter])) as Record<UsageOutcome, typeof counter>,
);
export type UsageCounts = z.infer<typeof usageCountsSchema>;

const range = { since: isoDate.nullish(), until: isoDate.nullish() };
export const usageQuery = z.object({ granularity: z.enum(GRANULARITIES).nullish(), ...range });
export const keyUsageInput = idParam.extend(usageQuery.shape);
export const usageTotalsQuery = z.object({
  ...range,
  /** Only keys and users with at least one request of this outcome, ranked by it (default: every outcome). */
  outcome: usageOutcomeSchema.nullish(),
  limit: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(100).default(100)),
});

export const usagePointSchema = usageCountsSchema.extend({ start: z.date() });
export const keyUsageSchema = z.object({
  keyId: z.string(),
  granularity: z.enum(GRANULARITIES),
  since: z.date(),
  until: z.date(),
  /** Buckets with at least one request, oldest first. */
  points: z.array(usagePointSchema),
  totals: usageCountsSchema,
});
export const usageTotalsSchema = z.object({
  since: z.date(),
  until: z.date(),
  keys: z.array(z.object({ keyId: z.string(), name: z.string(), keyPrefix: z.string(), userId: z.string(), totals: usageCountsSchema })),
  users: z.array(z.object({ userId: z.string(), email: z.string(), totals: usageCountsSchema })),
});
export type KeyUsage = z.infer<typeof keyUsageSchema>;
export type UsageTotals = z.infer<typeof usageTotalsSchema>;

export const zeroCounts = (): UsageCounts =>
  Object.fromEntries(USAGE_OUTCOMES.map((o) => [o, 0])) as UsageCounts;
export const totalOf = (c: UsageCounts) => USAGE_OUTCOMES.reduce((n, o) => n + c[o], 0);
