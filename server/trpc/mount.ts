import { trpcServer } from "@hono/trpc-server";
import type { TRPCError } from "@trpc/server";
import type { Context as HonoContext, Hono } from "hono";
import { resolvePrincipal } from "../auth/principal.ts";
import { sessionCredential } from "../auth/session-cookie.ts";
import type { Core } from "../core/index.ts";
import { AppError } from "../errors.ts";
import { describeError } from "../logger.ts";
import type { AppEnv } from "../http/env.ts";
import { directQueries } from "./direct.ts";
import { BATCH_ITEM_BUDGET, type Context } from "./init.ts";
import { appRouter } from "./router.ts";

export const MAX_BATCH = 50;

const procedures = new Set(Object.keys(appRouter._def.procedures));
const routes = new Map<string, string | null>();
/** `/trpc/a.b,c.d` as a route pattern when every name is a procedure; null otherwise (names are caller input). */
export function trpcRoute(path: string): string | null {
  let route = routes.get(path);
  if (route === undefined) {
    const names = path.slice("/trpc/".length).split(",");
    route = names.length <= MAX_BATCH && names.every((n) => procedures.has(n)) ? path : null;
    if (routes.size >= 1024) routes.clear(); // callers choose paths: the memo stays bounded
    routes.set(path, route);
  }
  return route;
}

/** tRPC at /trpc: same credentials, same limits, same core. */
export function mountTrpc(app: Hono<AppEnv>, core: Core) {
  const createContext = async (c: HonoContext<AppEnv>): Promise<Context> => {
    const ctx: Context = {
      core, principal: null, authError: null, rate: {},
      batch: { itemsLeft: BATCH_ITEM_BUDGET, lane: Promise.resolve() },
      get clientIp() {
        return c.get("clientIp"); // worked out on first use, as over REST
      },
      noteFailure: (failure) => c.set("failure", failure),
    };
    try {
      ctx.principal = await resolvePrincipal(core, {
        authorization: c.req.header("authorization"),
        apiKey: c.req.header("x-api-key"),
        sessionCookie: sessionCredential(c, core.deps.config.trustProxy),
        get clientIp() {
          return ctx.clientIp;
        },
      });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      ctx.authError = e;
    }
    c.set("principal", ctx.principal);
    return ctx;
  };
  /** The headers of a tRPC answer (rate limit, quota, Retry-After), and the failure noted for the access log. */
  const answerMeta = ({ ctx, errors }: { ctx?: unknown; errors: TRPCError[] }) => {
    // The router's context type is opaque (see RouterContext); this is the Context createContext made.
    const context = ctx as Context | undefined;
    const first = errors[0];
    if (first) {
      const cause = first.cause instanceof AppError ? first.cause : undefined;
      context?.noteFailure?.({ code: cause?.code ?? first.code, reason: cause?.message ?? first.code });
    }
    const headers: Record<string, string> = { ...context?.rate.headers };
    // A throttle's 429 (login, invalid keys) says when to come back, as it does over REST.
    let retryAfter = 0;
    for (const e of errors) if (e.cause instanceof AppError && e.cause.retryAfter) retryAfter = Math.max(retryAfter, e.cause.retryAfter);
    if (retryAfter > 0 && !("Retry-After" in headers)) headers["Retry-After"] = String(retryAfter); // limits.headers' own
    return { headers };
  };
  const responseMeta = (opts: { ctx?: unknown; errors: TRPCError[] }) => ({ headers: new Headers(answerMeta(opts).headers) });
  const onError = ({ error, path }: { error: TRPCError; path?: string }) => {
    if (error.code === "INTERNAL_SERVER_ERROR") {
      core.deps.logger.error("trpc error", { path, ...describeError(error.cause ?? error) });
    }
  };

  const adapter = trpcServer({
    endpoint: "/trpc",
    router: appRouter,
    createContext: (_opts, c) => createContext(c as HonoContext<AppEnv>),
    // Batches are bounded, so one request cannot queue unbounded work (the client link uses the same cap).
    maxBatchSize: MAX_BATCH,
    responseMeta,
    onError,
  });
  // GET queries, single or batched (what clients send most), skip the fetch adapter: the same steps, see direct.ts.
  const { direct, format } = directQueries({ router: appRouter, endpoint: "/trpc", maxBatchSize: MAX_BATCH, createContext, answerMeta, onError });
  app.use("/trpc/*", (c, next) => direct(c) ?? adapter(c, next));
  return { direct, format, route: trpcRoute };
}
