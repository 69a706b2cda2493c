import { keyUsageInput, usageTotalsQuery } from "../../core/usage-schemas.ts";
import { adminProcedure, jwtProcedure } from "../init.ts";

// Per-key usage over tRPC, mounted as keys.usage, admin.keyUsage and admin.usage: the REST answers' data, Dates as Dates.

export const ownKeyUsage = jwtProcedure
  .input(keyUsageInput)
  .query(({ ctx, input: { id, ...q } }) => ctx.core.usage.forKey(ctx.principal.userId, id, q));

export const anyKeyUsage = adminProcedure.input(keyUsageInput).query(({ ctx, input: { id, ...q } }) => ctx.core.usage.forKey(null, id, q));

export const usageTotals = adminProcedure.input(usageTotalsQuery.prefault({})).query(({ ctx, input }) => ctx.core.usage.totals(input));
