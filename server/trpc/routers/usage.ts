import type { KeyUsage } from "../../core/usage-schemas.ts";
import { keyUsageInput, usageTotalsQuery } from "../../core/usage-schemas.ts";
import { badRequest } from "../../errors.ts";
import { adminProcedure, jwtProcedure, type Context } from "../init.ts";

// Per-key usage over tRPC, mounted as keys.usage, admin.keyUsage and admin.usage: the REST answers' data, Dates as Dates.

/**
 * Usage points one batch may carry: as many as one REST answer holds at most (~3,000). Fifty full series in one
 * batch were one answer of ~27 MB serialized in one go on the serving thread. A batch's first series is never refused.
 */
export const BATCH_POINT_BUDGET = 3_000;

/** One series call of a request: a batch's series take turns (with its list calls) and share the point budget. */
function series(ctx: Context, load: () => Promise<KeyUsage>): Promise<KeyUsage> {
  const batch = ctx.batch;
  if (!batch) return load();
  const run = async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const result = await load();
    const used = batch.points ?? 0;
    if (used > 0 && used + result.points.length > BATCH_POINT_BUDGET) {
      throw badRequest("Too many usage points in one batch", [{
        field: "(batch)",
        message: `the series of one batch may hold at most ${BATCH_POINT_BUDGET} points; ask for this one in a request of its own`,
      }]);
    }
    batch.points = used + result.points.length;
    return result;
  };
  const turn = batch.lane.then(run);
  batch.lane = turn.catch(() => {});
  return turn;
}

export const ownKeyUsage = jwtProcedure
  .input(keyUsageInput)
  .query(({ ctx, input: { id, ...q } }) => series(ctx, () => ctx.core.usage.forKey(ctx.principal.userId, id, q)));

export const anyKeyUsage = adminProcedure
  .input(keyUsageInput)
  .query(({ ctx, input: { id, ...q } }) => series(ctx, () => ctx.core.usage.forKey(null, id, q)));

export const usageTotals = adminProcedure.input(usageTotalsQuery.prefault({})).query(({ ctx, input }) => ctx.core.usage.totals(input));
