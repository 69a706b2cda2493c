import { reportLeakInput, revokeInput, rollInput } from "../../core/key-schemas.ts";
import { createKeyInput, idParam, keysQuery } from "../../core/schemas.ts";
import { jwtProcedure, page, publicProcedure, router } from "../init.ts";
import { ownKeyUsage } from "./usage.ts";

export const keysRouter = router({
  create: jwtProcedure.input(createKeyInput).mutation(({ ctx, input }) => ctx.core.keys.create(ctx.principal, input)),
  // Paged like every list: { items, nextCursor, hasMore }; no input = the first page of up to 100.
  list: jwtProcedure
    .input(keysQuery.prefault({}))
    .query(({ ctx, input }) => page(ctx, input, (q) => ctx.core.keys.list(ctx.principal.userId, q))),
  // One of the caller's keys (revoked and retired ones too); anyone else's is NOT_FOUND, like an unknown id.
  get: jwtProcedure.input(idParam).query(({ ctx, input }) => ctx.core.keys.get(ctx.principal.userId, input.id)),
  revoke: jwtProcedure.input(idParam.extend(revokeInput.shape)).mutation(async ({ ctx, input }) => {
    await ctx.core.keys.revoke(ctx.principal.userId, input.id, input.reason);
    return { success: true as const };
  }),
  roll: jwtProcedure
    .input(idParam.extend(rollInput.shape))
    .mutation(({ ctx, input }) => ctx.core.keyLifecycle.roll(ctx.principal.userId, input.id, input)),
  // No credential needed (nor checked): whoever found a key may report it.
  reportLeak: publicProcedure.input(reportLeakInput).mutation(async ({ ctx, input }) => {
    await ctx.core.keyLifecycle.reportLeak(input.key, ctx.clientIp);
    return { success: true as const };
  }),
  usage: ownKeyUsage,
  /** Every one of the caller's keys, e.g. after a compromise. */
  revokeAll: jwtProcedure.mutation(async ({ ctx }) => ({
    success: true as const,
    revoked: await ctx.core.keys.revokeAll(ctx.principal.userId),
  })),
});
