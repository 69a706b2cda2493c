import { rollInput } from "../../core/key-schemas.ts";
import { adminKeysQuery, adminKeyUpdate, adminUsersQuery, adminUserUpdate, idParam } from "../../core/schemas.ts";
import { adminProcedure, page, router } from "../init.ts";
import { adminAudit } from "./audit.ts";
import { anyKeyUsage, usageTotals } from "./usage.ts";

export const adminRouter = router({
  audit: adminAudit,
  apiKeys: router({
    list: adminProcedure.input(adminKeysQuery).query(({ ctx, input }) => page(ctx, input, (q) => ctx.core.keys.adminList(q))),
    get: adminProcedure.input(idParam).query(({ ctx, input }) => ctx.core.keys.adminGet(input.id)),
    update: adminProcedure
      .input(idParam.extend({ data: adminKeyUpdate }))
      .mutation(({ ctx, input }) => ctx.core.keys.adminUpdate(input.id, input.data)),
    roll: adminProcedure
      .input(idParam.extend(rollInput.shape))
      .mutation(({ ctx, input }) => ctx.core.keyLifecycle.roll(null, input.id, input)),
    delete: adminProcedure.input(idParam).mutation(async ({ ctx, input }) => {
      await ctx.core.keys.adminDelete(input.id);
      return { success: true as const };
    }),
  }),
  keyUsage: anyKeyUsage,
  usage: usageTotals,
  users: router({
    list: adminProcedure.input(adminUsersQuery).query(({ ctx, input }) => page(ctx, input, (q) => ctx.core.users.adminList(q))),
    update: adminProcedure
      .input(idParam.extend({ data: adminUserUpdate }))
      .mutation(({ ctx, input }) => ctx.core.users.adminUpdate(input.id, input.data)),
  }),
});
