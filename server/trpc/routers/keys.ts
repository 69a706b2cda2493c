import { createKeyInput, idParam } from "../../core/schemas.ts";
import { jwtProcedure, router } from "../init.ts";

export const keysRouter = router({
  create: jwtProcedure.input(createKeyInput).mutation(({ ctx, input }) => ctx.core.keys.create(ctx.principal, input)),
  list: jwtProcedure.query(({ ctx }) => ctx.core.keys.list(ctx.principal.userId)),
  revoke: jwtProcedure.input(idParam).mutation(({ ctx, input }) => {
    ctx.core.keys.revoke(ctx.principal.userId, input.id);
    return { success: true as const };
  }),
  /** Every one of the caller's keys, e.g. after a compromise. */
  revokeAll: jwtProcedure.mutation(({ ctx }) => ({ success: true as const, revoked: ctx.core.keys.revokeAll(ctx.principal.userId) })),
});
