import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Principal } from "../auth/principal.ts";
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
function failureOf(c: Observed, status: number): { code: string; reason?: string } | undefined {
  if (status < 400) return undefined;
  const noted = c.get("failure");
  const err = c.error instanceof AppError ? c.error : undefined;
  const code = noted?.code ?? err?.code ?? codeOfStatus.get(status) ?? String(status);
  // Reasons are our own fixed sentences ("API key has been revoked"), never input echoed back.
  const reason = EXPLAINED.has(status) ? (noted?.reason ?? err?.message) : undefined;
  return { code, reason };
}

const q = JSON.stringify;

// Pieces of the line that repeat from request to request, serialized once (still through JSON.stringify, so a
// value is escaped exactly as before; caching changes when the text is made, never what it says).
const ROUTE_TEXTS_MAX = 1024; // registered patterns are few; tRPC batches of real names are many, so bounded
const routeTexts = new Map<string, string>();
function routeText(method: string, route: string): string {
  const key = method === "GET" ? route : `${method} ${route}`;
  let text = routeTexts.get(key);
  if (text === undefined) {
    if (routeTexts.size >= ROUTE_TEXTS_MAX) routeTexts.clear();
    routeTexts.set(key, (text = `,"method":${q(method)},"route":${q(route)},"status":`));
  }
  return text;
}

// A key principal's fields, per cached key row (its identity object lives as long as the row is cached; a JWT
// principal's user object likewise), checked against the principal each time so a stale text is never used.
type PrincipalText = { userId: string; keyId: string | undefined; keyPrefix: string | undefined; text: string };
const principalTexts = new WeakMap<object, PrincipalText>();
function principalText(p: Principal): string {
  const row: object | undefined = p.key ?? p.user;
  let t = row && principalTexts.get(row);
  if (!t || t.userId !== p.userId || t.keyId !== p.keyId || t.keyPrefix !== p.keyPrefix) {
    let text = `,"userId":${q(p.userId)}`;
    if (p.keyId) text += `,"keyId":${q(p.keyId)},"keyPrefix":${q(p.keyPrefix)}`;
    t = { userId: p.userId, keyId: p.keyId, keyPrefix: p.keyPrefix, text };
    if (row) principalTexts.set(row, t);
  }
  return t.text;
}

/** Milliseconds to two decimals, as `${Math.round(seconds * 1e5) / 100}` prints them, from integers (cheaper). */
export function msText(seconds: number): string {
  const hundredths = Math.round(seconds * 1e5);
  if (!(hundredths >= 0 && hundredths < 1e15)) return String(hundredths / 100);
  const whole = Math.floor(hundredths / 100);
  const frac = hundredths - whole * 100;
  if (frac === 0) return `${whole}`;
  if (frac % 10 === 0) return `${whole}.${frac / 10}`;
  return `${whole}.${frac < 10 ? "0" : ""}${frac}`;
}

/**
 * The line's fields as JSON text, built directly: a request's line must cost little more than its bytes. The
 * request id and the address are escaped like every value (a caller's X-Request-Id is checked, an address is
 * canonical, but escaping a short string costs less than a doubt).
 */
export function accessFields(c: Observed, method: string, route: string, status: number, seconds: number): string {
  let s = `"requestId":${q(c.get("requestId"))}${routeText(method, route)}${status},"ms":${msText(seconds)},"ip":${q(c.get("clientIp"))}`;
  const p = c.get("principal");
  if (p) s += principalText(p);
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
    if (log) logger.json("info", "request", accessFields(c, method, route, status, seconds));
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
