import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { apiKeys } from "../../db/schema.ts";
import { badRequest, notFound } from "../errors.ts";
import type { CoreDeps } from "./deps.ts";
import { keyUsagePoints } from "./stores/usage-reads.ts";
import { createUsageCounter } from "./usage-counter.ts";
import {
  DEFAULT_SPAN_MS, DEFAULT_TOTALS_SPAN_MS, GRANULARITIES, MAX_SPAN_MS, RETENTION_MS, totalOf, UNIT_MS, USAGE_OUTCOMES,
  zeroCounts, type Granularity, type KeyUsage, type UsageCounts, type UsageOutcome, type usageQuery, type UsageTotals,
  type usageTotalsQuery,
} from "./usage-schemas.ts";

/** How often retention runs, and how many rows one prune job deletes at most. */
const PRUNE_EVERY_MS = 10 * 60_000;
const PRUNE_FIRST_MS = 60_000;
const PRUNE_BATCH = 5_000;

const invalid = (field: string, message: string) => badRequest("Validation failed", [{ field, message }]);
const floorTo = (ms: number, unit: Granularity) => ms - (((ms % UNIT_MS[unit]) + UNIT_MS[unit]) % UNIT_MS[unit]);
const spanWords = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000} days` : `${ms / 3_600_000} hours`);
const pick = (row: UsageCounts): UsageCounts => Object.fromEntries(USAGE_OUTCOMES.map((o) => [o, row[o]])) as UsageCounts;
const add = (into: UsageCounts, c: UsageCounts) => {
  for (const o of USAGE_OUTCOMES) into[o] += c[o];
  return into;
};

/** The outcome of a request the key was admitted for, from what the route answered (403 = a missing scope). */
export function admittedOutcome(status: number): UsageOutcome {
  return status === 403 ? "forbidden" : status === 404 ? "notFound" : "ok";
}

/** Per-key usage: counted in memory on the request path, written behind, rolled up and pruned; read by owners and admins. */
export function createUsage(deps: CoreDeps) {
  const { db, work, clock, logger } = deps;
  const counter = createUsageCounter(work, clock, logger);

  const keyOwner = (id: string, owner: string | null) =>
    db
      .select({ id: apiKeys.id, name: apiKeys.name, keyPrefix: apiKeys.keyPrefix, lastFour: apiKeys.lastFour })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), owner === null ? undefined : eq(apiKeys.userId, owner)))
      .get();

  /**
   * [since, until) from a query's optional ends: until defaults to the end of the current `unit` (so the bucket
   * being counted now is in), since to until − `span`.
   */
  const range = (q: { since?: Date | null; until?: Date | null }, unit: Granularity, span: number) => {
    const until = q.until?.getTime() ?? floorTo(clock.now(), unit) + UNIT_MS[unit];
    const since = q.since?.getTime() ?? until - span;
    if (since >= until) throw invalid("since", "must be before until");
    return { since, until };
  };

  let pruning = false;
  /** Deletes rows past their retention, a bounded job at a time; how many went. */
  const prune = async (): Promise<number> => {
    if (pruning) return 0;
    pruning = true;
    let total = 0;
    try {
      for (;;) {
        const n = await work.write("usage.prune", { now: clock.now(), limit: PRUNE_BATCH });
        total += n;
        if (n < PRUNE_BATCH) return total;
      }
    } finally {
      pruning = false;
    }
  };
  const background = () => void prune().catch((e) => logger.warn("could not prune key usage", { error: (e as Error).message }));
  // A minute after start too, so a server restarted more often than every 10 minutes still prunes.
  const timers = [setTimeout(background, PRUNE_FIRST_MS), setInterval(background, PRUNE_EVERY_MS)];
  for (const t of timers) t.unref();

  return {
    /** Counts one request of the key by how it ended; nothing with ARGUS_USAGE=false. */
    count: deps.config.usage ? counter.count : () => {},

    /** One key's usage in buckets of `granularity` (sparse, oldest first); 404 unless `owner` holds it (null: anyone's). */
    async forKey(owner: string | null, id: string, q: z.infer<typeof usageQuery>): Promise<KeyUsage> {
      const granularity = q.granularity ?? "hour";
      const { since, until } = range(q, granularity, DEFAULT_SPAN_MS[granularity]);
      if (until - since > MAX_SPAN_MS[granularity]) {
        throw invalid("since", `a ${granularity} series may span at most ${spanWords(MAX_SPAN_MS[granularity])}`);
      }
      if (!keyOwner(id, owner)) throw notFound("API key not found");
      await counter.flushKey(id); // this process's counts of the key so far, so an owner sees the request they just made
      const from = floorTo(since, granularity);
      const rows = keyUsagePoints(db.$client, { keyId: id, unit: granularity, from, until });
      const totals = zeroCounts();
      const points = rows.map((r) => {
        const counts = pick(r);
        add(totals, counts);
        return { start: new Date(r.start), ...counts };
      });
      return { keyId: id, granularity, since: new Date(from), until: new Date(until), points, totals };
    },

    /** Every key's and every user's totals in a range, most used first (or most of `outcome`), top `limit` of each. */
    async totals(q: z.infer<typeof usageTotalsQuery>): Promise<UsageTotals> {
      const { since, until } = range(q, "minute", DEFAULT_TOTALS_SPAN_MS);
      if (until - since > MAX_SPAN_MS.day) throw invalid("since", `totals may span at most ${spanWords(MAX_SPAN_MS.day)}`);
      // The finest unit still kept for the whole range: minutes for the last 48 h, hours for 90 days, then days.
      const now = clock.now();
      const unit = GRANULARITIES.find((u) => floorTo(since, u) >= now - RETENTION_MS[u]) ?? "day";
      const from = floorTo(since, unit);
      await counter.flush();
      const rows = await work.read("usage.totals", { unit, from, until });
      const score = (c: UsageCounts) => (q.outcome ? c[q.outcome] : totalOf(c));
      const rank = <T extends { totals: UsageCounts }>(items: T[], id: (t: T) => string) =>
        items
          .filter((t) => score(t.totals) > 0)
          .sort((a, b) => score(b.totals) - score(a.totals) || totalOf(b.totals) - totalOf(a.totals) || (id(a) < id(b) ? -1 : 1))
          .slice(0, q.limit);
      const users = new Map<string, { userId: string; email: string; totals: UsageCounts }>();
      for (const r of rows) {
        const u = users.get(r.userId) ?? { userId: r.userId, email: r.email, totals: zeroCounts() };
        users.set(r.userId, u);
        add(u.totals, pick(r));
      }
      const keys = rows.map((r) => ({ keyId: r.keyId, name: r.name, keyPrefix: r.keyPrefix, userId: r.userId, totals: pick(r) }));
      return {
        since: new Date(from),
        until: new Date(until),
        keys: rank(keys, (k) => k.keyId),
        users: rank([...users.values()], (u) => u.userId),
      };
    },

    /** The key's name and display form, for a chart's title (the CLI). */
    describe: (id: string) => keyOwner(id, null),
    flush: counter.flush,
    prune,
    async close() {
      for (const t of timers) clearTimeout(t);
      await counter.close();
    },
  };
}
export type Usage = ReturnType<typeof createUsage>;
