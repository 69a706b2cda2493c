import { eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { keyQuotaUsage } from "../../db/schema.ts";
import { AppError } from "../errors.ts";
import type { CoreDeps } from "./deps.ts";
import type { quotaSchema, quotaStateSchema } from "./key-schemas.ts";

export type Quota = z.infer<typeof quotaSchema>;
export type QuotaRecord = z.infer<typeof quotaStateSchema>;
/** Where a key's quota stands after this request; `spent` says whether this request took a unit. */
export type QuotaState = {
  keyId: string; limit: number; used: number; periodStart: number; resetAt: number; allowed: boolean; spent: boolean;
};

/** The UTC calendar day or month holding `now`: quotas reset at its end. */
export function quotaPeriod(now: number, period: Quota["period"]): { start: number; end: number } {
  const d = new Date(now);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  return period === "day"
    ? { start: Date.UTC(y, m, day), end: Date.UTC(y, m, day + 1) }
    : { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
}

/** The spend row of a key (one indexed read: key_id is the primary key). */
const usageStatement = (db: CoreDeps["db"]) =>
  db
    .select({ used: keyQuotaUsage.used, periodStart: keyQuotaUsage.periodStart })
    .from(keyQuotaUsage)
    .where(eq(keyQuotaUsage.keyId, sql.placeholder("keyId")))
    .prepare();

/** Where a key's quota stands now, as key records show it: one read of its spend row per call. */
export function quotaReader(deps: Pick<CoreDeps, "db" | "clock">) {
  const usage = usageStatement(deps.db);
  return (keyId: string, quota: Quota): QuotaRecord => {
    const { start, end } = quotaPeriod(deps.clock.now(), quota.period);
    const row = usage.get({ keyId });
    const used = row && row.periodStart === start ? row.used : 0;
    return { ...quota, used, remaining: Math.max(0, quota.limit - used), resetAt: new Date(end) };
  };
}

/**
 * Per-key request quotas, durable in SQLite: one write job per request of a key that has a quota (keys without
 * one never get here). The spend happens before the route runs, so concurrent requests cannot overshoot;
 * a request that then fails gets its unit back, so only successful requests count.
 */
export function createQuotas(deps: CoreDeps) {
  const { db, work, clock } = deps;
  const usage = usageStatement(db);

  return {
    /** Spends one unit when `admit` (the request passed its rate limit), else only reads where the quota stands. */
    async take(keyId: string, quota: Quota, admit: boolean): Promise<QuotaState> {
      const { start, end } = quotaPeriod(clock.now(), quota.period);
      const state = { keyId, limit: quota.limit, periodStart: start, resetAt: end, spent: false };
      if (admit) {
        const used = await work.write("quota.spend", { keyId, limit: quota.limit, periodStart: start });
        if (used !== null) return { ...state, used, allowed: true, spent: true };
      }
      const row = usage.get({ keyId });
      const used = row && row.periodStart === start ? row.used : 0;
      return { ...state, used, allowed: used < quota.limit };
    },

    async refund(state: QuotaState) {
      if (!state.spent) return;
      await work.write("quota.refund", { keyId: state.keyId, periodStart: state.periodStart });
      state.used -= 1;
      state.spent = false;
    },

    headers(state: QuotaState): Record<string, string> {
      return {
        "X-Quota-Limit": String(state.limit),
        "X-Quota-Remaining": String(Math.max(0, state.limit - state.used)),
        "X-Quota-Reset": String(Math.ceil(state.resetAt / 1000)),
      };
    },

    exceeded(state: QuotaState) {
      const retryAfter = Math.max(1, Math.ceil((state.resetAt - clock.now()) / 1000));
      return new AppError("QUOTA_EXCEEDED", `API key quota of ${state.limit} requests per period exhausted`, undefined, retryAfter);
    },
  };
}
export type Quotas = ReturnType<typeof createQuotas>;
