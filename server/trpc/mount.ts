import { trpcServer } from "@hono/trpc-server";
import type { Hono } from "hono";
import { resolvePrincipal } from "../auth/principal.ts";
import type { Core } from "../core/index.ts";
import { AppError } from "../errors.ts";
import { describeError } from "../logger.ts";
import type { AppEnv } from "../http/env.ts";
import type { Context } from "./init.ts";
import { appRouter } from "./router.ts";

/** tRPC at /trpc: same credentials, same limits, same core. */
export function mountTrpc(app: Hono<AppEnv>, core: Core) {
  app.use(
    "/trpc/*",
    trpcServer({
      endpoint: "/trpc",
      router: appRouter,
      createContext: async (_opts, c): Promise<Context> => {
        const ctx: Context = { core, principal: null, authError: null, clientIp: c.get("clientIp"), rate: {} };
        try {
          ctx.principal = await resolvePrincipal(core, {
            authorization: c.req.header("authorization"),
            apiKey: c.req.header("x-api-key"),
            clientIp: ctx.clientIp,
          });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          ctx.authError = e;
        }
        return ctx;
      },
      responseMeta: ({ ctx }) => {
        const d = ctx?.rate.last;
        return d ? { headers: new Headers(core.limits.headers(d)) } : {};
      },
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          core.deps.logger.error("trpc error", { path, ...describeError(error.cause ?? error) });
        }
      },
    }),
  );
}
