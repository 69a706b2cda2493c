import { eq, sql } from "drizzle-orm";
import { keyQuotaUsage } from "../../db/schema.ts";
import { describeError } from "../logger.ts";
import type { CoreDeps } from "./deps.ts";
import type { Quota } from "./quotas.ts";

/** A lease unused this long goes back to the row, so another worker (or the next start) can spend its units. */
export const LEASE_IDLE_MS = 5_000;
const SWEEP_MS = 1_000;

/** Units this process took from a key's row for one period and limit, and has not spent yet. */
export type Lease = {
  keyId: string;
  limit: number;
  period: Quota["period"];
  periodStart: number;
  periodEnd: number;
  units: number;
  /** The row's `used` after this process's last lease job (the units it holds included). */
  used: number;
  /** The last lease job found nothing left: the row is read before asking again. */
  full: boolean;
  /** The one lease job in flight for the key: concurrent requests wait on it rather than send their own. */
  pending: Promise<void> | null;
  touched: number;
  /** Given back: nothing is spent from it any more, and units granted to it later go straight back. */
  retired: boolean;
};

/** A key's spend row as this thread reads it: `used` in the period starting at `start` (0 for an older row). */
export function durableUsage(db: CoreDeps["db"]) {
  const row = db
    .select({ used: keyQuotaUsage.used, periodStart: keyQuotaUsage.periodStart })
    .from(keyQuotaUsage)
    .where(eq(keyQuotaUsage.keyId, sql.placeholder("keyId")))
    .prepare();
  return (keyId: string, start: number) => {
    const r = row.get({ keyId });
    return r && r.periodStart === start ? r.used : 0;
  };
}

/**
 * The blocks of quota units this process leased from the durable rows (server/core/stores/quota-writes.ts). A
 * request spends from memory; only an empty lease costs a write job. Units are given back to the row when the
 * lease goes idle, its period ends, the key's limit changes, the key is rolled, or the process closes; a crash
 * leaves them counted as spent (a key then gets fewer requests, never more).
 */
export function createQuotaLeases(deps: Pick<CoreDeps, "db" | "work" | "clock" | "logger">, opts: { exact?: boolean } = {}) {
  const { work, clock, logger } = deps;
  const used = durableUsage(deps.db);
  const leases = new Map<string, Lease>();
  // Exact mode (several worker processes share the file): a lease takes only what the requests waiting for it need,
  // and a failed request's unit goes straight back to the row, so no process ever holds a unit another could spend.
  const exact = opts.exact ?? false;
  const waiting = new Map<string, number>();
  const returning = new Set<Promise<unknown>>();

  const toRow = (keyId: string, periodStart: number, units: number) => {
    if (units <= 0) return;
    const p = work
      .write("quota.refund", { keyId, periodStart, units })
      .catch((e) => logger.warn("could not give leased quota units back", { keyId, units, ...describeError(e) }))
      .finally(() => returning.delete(p));
    returning.add(p);
  };

  const retire = (lease: Lease) => {
    lease.retired = true;
    if (leases.get(lease.keyId) === lease) leases.delete(lease.keyId);
    toRow(lease.keyId, lease.periodStart, lease.units);
    lease.units = 0;
  };

  /** The key's lease for this limit and period; one taken under another limit or period is given back first. */
  const current = (keyId: string, quota: Quota, period: { start: number; end: number }) => {
    const held = leases.get(keyId);
    if (held && held.limit === quota.limit && held.period === quota.period && held.periodStart === period.start) return held;
    if (held) retire(held);
    const lease: Lease = {
      keyId, limit: quota.limit, period: quota.period, periodStart: period.start, periodEnd: period.end,
      units: 0, used: 0, full: false, pending: null, touched: clock.now(), retired: false,
    };
    leases.set(keyId, lease);
    return lease;
  };

  const extend = (lease: Lease) =>
    (lease.pending = work
      .write("quota.lease", {
        keyId: lease.keyId, limit: lease.limit, periodStart: lease.periodStart, want: exact ? waiting.get(lease.keyId) ?? 1 : undefined,
      })
      .then(({ granted, used }) => {
        if (lease.retired) return toRow(lease.keyId, lease.periodStart, granted);
        lease.units += granted;
        lease.used = used;
        lease.full = granted === 0;
      })
      .finally(() => {
        lease.pending = null;
      }));

  /** Gives back leases idle for LEASE_IDLE_MS or of an ended period; resolves once the row has them. */
  const sweep = async () => {
    const now = clock.now();
    for (const lease of leases.values()) {
      if (!lease.pending && (now - lease.touched >= LEASE_IDLE_MS || now >= lease.periodEnd)) retire(lease);
    }
    await Promise.allSettled([...returning]);
  };
  const unspent = (keyId: string, start: number) => {
    const lease = leases.get(keyId);
    return lease && lease.periodStart === start ? lease.units : 0;
  };

  /** One unit: from the lease, else from a new one; refused only when the row is full and the lease empty. */
  async function take(keyId: string, quota: Quota, period: { start: number; end: number }): Promise<{ used: number; lease: Lease | null }> {
    for (;;) {
      const lease = current(keyId, quota, period);
      if (lease.units > 0) {
        lease.units -= 1;
        lease.touched = clock.now();
        served(keyId);
        return { used: lease.used - lease.units, lease };
      }
      if (lease.pending) {
        await lease.pending;
        continue;
      }
      const rowUsed = lease.full ? used(keyId, period.start) : 0;
      if (rowUsed >= quota.limit) {
        served(keyId);
        return { used: rowUsed, lease: null };
      }
      await extend(lease);
    }
  }

  /** A request of the key no longer waits for a unit (counted at once, so the next lease asks for no more than the rest). */
  function served(keyId: string) {
    const n = (waiting.get(keyId) ?? 1) - 1;
    if (n <= 0) waiting.delete(keyId);
    else waiting.set(keyId, n);
  }

  /** Spends one unit of a key whose lease is empty (or was taken under another limit or period). */
  async function spendWaiting(keyId: string, quota: Quota, period: { start: number; end: number }): Promise<Spent> {
    waiting.set(keyId, (waiting.get(keyId) ?? 0) + 1);
    let answered = false;
    try {
      const spent = await take(keyId, quota, period);
      answered = true;
      return spent;
    } finally {
      if (!answered) served(keyId); // a failed lease job: this request waits no more
    }
  }

  const timer = setInterval(() => void sweep(), SWEEP_MS);
  timer.unref();

  return {
    /** Spends one unit: from the lease, else from a new one; refused only when the row is full and the lease empty. */
    spend(keyId: string, quota: Quota, period: { start: number; end: number }): Spent | Promise<Spent> {
      // The common case, a unit in hand: answered at once, without a promise.
      const held = leases.get(keyId);
      if (held && held.units > 0 && held.limit === quota.limit && held.period === quota.period && held.periodStart === period.start) {
        held.units -= 1;
        held.touched = clock.now();
        return { used: held.used - held.units, lease: held };
      }
      return spendWaiting(keyId, quota, period);
    },

    /** A unit spent by a request that then failed: back into its lease, or to the row if the lease was given back. */
    giveBack(lease: Lease) {
      if (!lease.retired && !exact) return void (lease.units += 1);
      toRow(lease.keyId, lease.periodStart, 1);
      if (!lease.retired) lease.used -= 1; // the row's count, as this lease last saw it, is one lower now
    },

    /** Units of the key this process holds unspent in the period starting at `start`. */
    unspent,

    /** The row's count as this process sees it: spent, not merely leased by this process. */
    seen(keyId: string, start: number) {
      return used(keyId, start) - unspent(keyId, start);
    },

    /** The timer's work, for tests that move the clock. */
    sweep,

    /** Gives the key's lease back and waits until the row has it (before a roll copies the row). */
    async release(keyId: string) {
      const lease = leases.get(keyId);
      if (!lease) return;
      retire(lease);
      await lease.pending?.catch(() => {});
      await Promise.allSettled([...returning]);
    },

    /** Gives every lease back and waits for the row to have them: called before the writer thread stops. */
    async close() {
      clearInterval(timer);
      const pending = [...leases.values()].map((l) => l.pending);
      for (const lease of [...leases.values()]) retire(lease);
      await Promise.allSettled(pending);
      await Promise.allSettled([...returning]);
    },
  };
}
export type QuotaLeases = ReturnType<typeof createQuotaLeases>;
type Spent = { used: number; lease: Lease | null };
