import { trpcServer } from "@hono/trpc-server";
import type { Hono } from "hono";
import { resolvePrincipal } from "../auth/principal.ts";
import { sessionCredential } from "../auth/session-cookie.ts";
import type { Core } from "../core/index.ts";
import { AppError } from "../errors.ts";
import { describeError } from "../logger.ts";
import type { AppEnv } from "../http/env.ts";
import type { Context } from "./init.ts";
import { appRouter } from "./router.ts";

export const MAX_BATCH = 50;

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
            sessionCookie: sessionCredential(c, core.deps.config.trustProxy),
            clientIp: ctx.clientIp,
          });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          ctx.authError = e;
        }
        return ctx;
      },
      // Batches are bounded, so one request cannot queue unbounded work (the client link uses the same cap).
      maxBatchSize: MAX_BATCH,
      responseMeta: ({ ctx, errors }) => {
        const headers = new Headers({
          ...(ctx?.rate.last ? core.limits.headers(ctx.rate.last) : {}),
          ...(ctx?.rate.quota ? core.quotas.headers(ctx.rate.quota) : {}),
        });
        // A throttle's 429 (login, invalid keys) says when to come back, as it does over REST.
        const retryAfter = Math.max(0, ...errors.map((e) => (e.cause instanceof AppError && e.cause.retryAfter) || 0));
        if (retryAfter > 0 && !headers.has("retry-after")) headers.set("Retry-After", String(retryAfter));
        return { headers };
      },
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          core.deps.logger.error("trpc error", { path, ...describeError(error.cause ?? error) });
        }
      },
    }),
  );
}
