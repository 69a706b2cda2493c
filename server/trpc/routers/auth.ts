import { whoAmI } from "../../auth/principal.ts";
import { changePasswordInput, loginInput, logoutAllInput, registerInput } from "../../core/schemas.ts";
import { authedProcedure, jwtProcedure, publicProcedure, router } from "../init.ts";
import { ownEvents } from "./audit.ts";

export const authRouter = router({
  events: ownEvents,
  register: publicProcedure.input(registerInput).mutation(({ ctx, input }) => ctx.core.users.register(input, ctx.clientIp)),
  login: publicProcedure.input(loginInput).mutation(({ ctx, input }) => ctx.core.users.login(input, ctx.clientIp)),
  me: authedProcedure.query(({ ctx }) => whoAmI(ctx.principal)),
  changePassword: jwtProcedure
    .input(changePasswordInput)
    .mutation(({ ctx, input }) => ctx.core.users.changePassword(ctx.principal.userId, input)),
  logoutAll: jwtProcedure.input(logoutAllInput.optional()).mutation(async ({ ctx, input }) => ({
    success: true as const,
    ...(await ctx.core.users.logoutAll(ctx.principal.userId, input ?? {})),
  })),
});
