import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Core } from "../core/index.ts";
import { AppError, errorStatus, type ErrorCode } from "../errors.ts";
import type { AppEnv } from "../http/env.ts";

export const UNMATCHED = "(unmatched)";
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const codeOfStatus = new Map(Object.entries(errorStatus).map(([code, status]) => [status as number, code as ErrorCode]));
/** Refusals whose reason an operator needs in the log line (which key, which rule). */
const EXPLAINED = new Set([401, 403, 429]);

/** A path like `/trpc/a.b,c.d` as a route pattern: the procedure paths when every one is known, else null. */
export type TrpcRoute = (path: string) => string | null;

/**
 * The route a request matched, as registered (`/api/keys/:id`), never the raw path: a path can hold anything a
 * caller typed, keys included. tRPC paths name procedures and count only when every name is a real one.
 */
export function routePattern(c: Context<AppEnv>, trpc: TrpcRoute): string {
  const own = c.get("route");
  if (own) return own;
  for (const r of matchedRoutes(c)) if (r.method !== "ALL") return r.path;
  return (c.req.path.startsWith("/trpc/") && trpc(c.req.path)) || UNMATCHED;
}

/** What refused the request, from the error the app caught (REST) or the one the tRPC door noted. */
function failureOf(c: Context<AppEnv>, status: number): { code: string; reason?: string } | undefined {
  if (status < 400) return undefined;
  const noted = c.get("failure");
  const err = c.error instanceof AppError ? c.error : undefined;
  const code = noted?.code ?? err?.code ?? codeOfStatus.get(status) ?? String(status);
  // Reasons are our own fixed sentences ("API key has been revoked"), never input echoed back.
  const reason = EXPLAINED.has(status) ? (noted?.reason ?? err?.message) : undefined;
  return { code, reason };
}

const q = JSON.stringify;

/** The line's fields as JSON text, built directly: a request's line must cost little more than its bytes. */
function accessFields(c: Context<AppEnv>, method: string, route: string, status: number, seconds: number): string {
  let s = `"requestId":${q(c.get("requestId"))},"method":"${method}","route":${q(route)},"status":${status},` +
    `"ms":${Math.round(seconds * 1e5) / 100},"ip":${q(c.get("clientIp"))}`;
  const p = c.get("principal");
  if (p) s += `,"userId":${q(p.userId)}`;
  if (p?.keyId) s += `,"keyId":${q(p.keyId)},"keyPrefix":${q(p.keyPrefix)}`;
  const failure = failureOf(c, status);
  if (failure) s += `,"code":${q(failure.code)}`;
  if (failure?.reason) s += `,"reason":${q(failure.reason)}`;
  return s;
}

/** What a request's line and counters read: the app's context, or the fast path's record of the same facts. */
export type Observed = Pick<Context<AppEnv>, "get" | "error">;
export type Recorder = (c: Observed, method: string, route: string, status: number, seconds: number) => void;

/**
 * One `info` line per request (ARGUS_ACCESS_LOG) and the request counters (ARGUS_METRICS); null when both are off.
 * Fields are a handful of short strings: no bodies, no headers.
 */
export function createRecorder(core: Core): Recorder | null {
  const { config, logger, metrics } = core.deps;
  // Lines are built only when they will be written (ARGUS_LOG_LEVEL info or debug).
  const log = config.accessLog && logger.enabled("info");
  if (!log && !metrics) return null;
  return (c, method, route, status, seconds) => {
    // A batch of tRPC calls is one series, so the label set stays bounded whatever batches callers send.
    metrics?.request(route.startsWith("/trpc/") && route.includes(",") ? "/trpc/(batch)" : route, method, status, seconds);
    if (log) logger.json("info", "request", accessFields(c as Context<AppEnv>, method, route, status, seconds));
  };
}

/** The recorder around everything after the request id (the app's middleware). */
export function observeRequests(core: Core, trpc: TrpcRoute): MiddlewareHandler<AppEnv> {
  const record = createRecorder(core);
  if (!record) return (_c, next) => next();
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const method = METHODS.has(c.req.method) ? c.req.method : "OTHER";
      record(c, method, routePattern(c, trpc), c.res.status, seconds);
    }
  };
}
