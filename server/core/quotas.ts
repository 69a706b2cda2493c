import type { z } from "zod";
import { AppError } from "../errors.ts";
import type { CoreDeps } from "./deps.ts";
import { createQuotaLeases, durableUsage, type Lease } from "./quota-leases.ts";
import type { quotaSchema, quotaStateSchema } from "./key-schemas.ts";

export type Quota = z.infer<typeof quotaSchema>;
export type QuotaRecord = z.infer<typeof quotaStateSchema>;
/**
 * Where a key's quota stands after this request; `spent` says whether this request took a unit, `from` the lease
 * it came from (a refund goes back there).
 */
export type QuotaState = {
  keyId: string; limit: number; used: number; periodStart: number; resetAt: number; allowed: boolean; spent: boolean;
  from: Lease | null;
};

// The last period worked out of each kind: every request of a key with a quota asks, and it changes once a day.
const lastPeriod: Record<Quota["period"], { start: number; end: number }> = { day: { start: 0, end: 0 }, month: { start: 0, end: 0 } };

/** The UTC calendar day or month holding `now`: quotas reset at its end. */
export function quotaPeriod(now: number, period: Quota["period"]): { start: number; end: number } {
  const last = lastPeriod[period];
  if (now >= last.start && now < last.end) return last;
  return (lastPeriod[period] = Object.freeze(calendarPeriod(now, period)));
}

function calendarPeriod(now: number, period: Quota["period"]): { start: number; end: number } {
  const d = new Date(now);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  return period === "day"
    ? { start: Date.UTC(y, m, day), end: Date.UTC(y, m, day + 1) }
    : { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
}

/** Where a key's quota stands now, as key records show it: one read of its spend row, less this process's unspent lease. */
export function quotaReader(deps: Pick<CoreDeps, "db" | "clock">, unspent: (keyId: string, start: number) => number) {
  const usage = durableUsage(deps.db);
  return (keyId: string, quota: Quota): QuotaRecord => {
    const { start, end } = quotaPeriod(deps.clock.now(), quota.period);
    const used = usage(keyId, start) - unspent(keyId, start);
    return { ...quota, used, remaining: Math.max(0, quota.limit - used), resetAt: new Date(end) };
  };
}

/**
 * Per-key request quotas, durable in SQLite and spent from leased blocks (server/core/quota-leases.ts): most
 * requests of a key with a quota spend from memory, and keys without one never get here. The spend happens
 * before the route runs, so concurrent requests cannot overshoot; a request that then fails gets its unit back,
 * so only successful requests count.
 */
export function createQuotas(deps: CoreDeps) {
  const { clock } = deps;
  // Worker processes sharing the file lease exactly what their waiting requests need (see quota-leases.ts), so
  // the quota stays exact across them; one process leases blocks.
  const leases = createQuotaLeases(deps, { exact: deps.pooled ?? false });

  return {
    /** Spends one unit when `admit` (the request passed its rate limit), else only reads where the quota stands. */
    take(keyId: string, quota: Quota, admit: boolean): QuotaState | Promise<QuotaState> {
      const period = quotaPeriod(clock.now(), quota.period);
      // One object literal per request (every request of a key with a quota makes one).
      const state = (used: number, allowed: boolean, from: Lease | null): QuotaState => ({
        keyId, limit: quota.limit, used, periodStart: period.start, resetAt: period.end, allowed, spent: from !== null, from,
      });
      if (admit) {
        // A unit from the lease in hand comes back at once (no promise); an empty lease waits for a lease job.
        const spent = leases.spend(keyId, quota, period);
        return spent instanceof Promise ? spent.then(({ used, lease }) => state(used, lease !== null, lease)) : state(spent.used, spent.lease !== null, spent.lease);
      }
      const used = leases.seen(keyId, period.start);
      return state(used, used < quota.limit, null);
    },

    async refund(state: QuotaState) {
      if (!state.spent) return;
      leases.giveBack(state.from!);
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

    /** Units of the key this process leased and has not spent, in the period starting at `start`. */
    unspent: leases.unspent,
    /** Gives the key's leased units back to its row and waits for the write (before a roll copies the row). */
    release: leases.release,
    /** Gives idle and ended-period leases back (a timer does it every second). */
    sweep: leases.sweep,
    /** Gives every lease back; core.close calls it before the writer thread stops. */
    close: leases.close,
  };
}
export type Quotas = ReturnType<typeof createQuotas>;
