import { changePasswordInput, loginInput, registerInput } from "../../core/schemas.ts";
import { authedProcedure, jwtProcedure, publicProcedure, router } from "../init.ts";

export const authRouter = router({
  register: publicProcedure.input(registerInput).mutation(({ ctx, input }) => ctx.core.users.register(input)),
  login: publicProcedure.input(loginInput).mutation(({ ctx, input }) => ctx.core.users.login(input, ctx.clientIp)),
  me: authedProcedure.query(({ ctx }) => (ctx.principal.key ? { ...ctx.principal.user, key: ctx.principal.key } : ctx.principal.user)),
  changePassword: jwtProcedure
    .input(changePasswordInput)
    .mutation(({ ctx, input }) => ctx.core.users.changePassword(ctx.principal.userId, input)),
  logoutAll: jwtProcedure.mutation(async ({ ctx }) => {
    await ctx.core.users.logoutAll(ctx.principal.userId);
    return { success: true as const };
  }),
});
