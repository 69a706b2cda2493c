import type { Context, MiddlewareHandler } from "hono";
import type { Core } from "../core/index.ts";
import { isShared } from "../core/shared-values.ts";
import { createRequestIds } from "../observability/request-id.ts";
import { createClientIp } from "./clientip.ts";
import { strictPolicy } from "./csp.ts";
import type { AppEnv } from "./env.ts";

/** What every answer carries (Hono's secureHeaders() defaults, as before), decided once. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = Object.freeze([
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "SAMEORIGIN"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
] as const);

// Every JSON answer starts from this set, given to the Response constructor (which copies it).
const JSON_ANSWER = new Headers([
  ["Content-Type", "application/json"],
  ...SECURITY_HEADERS,
  ["Content-Security-Policy", strictPolicy],
] as [string, string][]);

/**
 * A JSON answer with the frozen set and the request id; add to `res.headers` freely. Made from the frozen set in
 * the constructor and then set, which costs less than copying it into a Headers first.
 */
export function jsonResponse(text: string, status: number, requestId: string): Response {
  const res = new Response(text, { status, headers: JSON_ANSWER });
  res.headers.set("X-Request-Id", requestId);
  return res;
}

// Envelope texts of shared data (the cached feed pages: the same objects until the database changes), by data.
const envelopes = new WeakMap<object, { meta: unknown; text: string }>();

/**
 * JSON.stringify of an answer body, done once per shared `data` for `{ success, data[, meta] }` envelopes: the text
 * is the same bytes, since shared data (and meta) cannot have changed since.
 */
export function bodyText(body: unknown): string {
  const data = (body as { data?: unknown } | null)?.data;
  if (!isShared(data)) return JSON.stringify(body);
  const { success, meta } = body as { success?: unknown; meta?: unknown };
  // Exactly `success`, `data` and perhaps `meta` (counted, not copied: this runs on every such answer).
  let fields = 0;
  for (const _ in body as object) fields++;
  if (success !== true || (meta !== undefined && !isShared(meta)) || fields !== ("meta" in (body as object) ? 3 : 2)) {
    return JSON.stringify(body);
  }
  const hit = envelopes.get(data);
  if (hit && hit.meta === meta) return hit.text;
  const text = JSON.stringify(body);
  envelopes.set(data, { meta, text });
  return text;
}

// Answers that already carry the frozen set, so the frame leaves them alone.
const framed = new WeakSet<Response>();

/**
 * A JSON answer with the frozen set, the request id and `extra` (names none of those, so set, not appended). For code that builds its own answer
 * (c.json below, the tRPC door's direct queries), where nothing set a header through c.header() first.
 */
export function jsonAnswer(c: Context<AppEnv>, text: string, status = 200, extra?: Iterable<[string, string]>): Response {
  const res = jsonResponse(text, status, c.get("requestId"));
  if (extra) for (const [name, value] of extra) res.headers.set(name, value);
  framed.add(res);
  return res;
}

/** For answers built elsewhere (pages, tRPC, Hono's own): the frozen set on top, a page's own CSP kept. */
function finish(res: Response, requestId: string) {
  const h = res.headers;
  for (const [name, value] of SECURITY_HEADERS) h.set(name, value);
  h.delete("X-Powered-By");
  if (!h.has("Content-Security-Policy")) h.set("Content-Security-Policy", strictPolicy);
  h.set("X-Request-Id", requestId);
}

/**
 * Outermost: names the request (id, client address on demand, empty principal) and makes every answer carry the security
 * headers, the CSP and the request id. It replaces four middleware (CSP, request id, context, secureHeaders) that
 * set a dozen headers one by one on every answer.
 */
export function frame(core: Core, requestIds = createRequestIds()): MiddlewareHandler<AppEnv> {
  const { config, logger } = core.deps;
  const clientIp = createClientIp(config.trustProxy, logger);
  return async (c, next) => {
    const requestId = requestIds(c.req.header("x-request-id"));
    c.set("core", core);
    c.set("principal", null);
    c.set("authenticated", false);
    c.set("requestId", requestId);
    // The client's address costs a getpeername() (~3 µs here) and most answers never need it (a plain key, a
    // JWT, health): c.get("clientIp") works it out on first use.
    let ip: string | undefined;
    const honoGet = c.get;
    c.get = ((key: string) => (key === "clientIp" ? (ip ??= clientIp(c)) : honoGet(key as never))) as typeof honoGet;
    // The common answer, c.json() with no header set before it, is built from the frozen set at once. Anything
    // else (a header set first, a page, tRPC) gets Hono's own response and the frozen set on top afterwards.
    const honoHeader = c.header;
    const honoJson = c.json;
    let plain = true;
    c.header = ((...args: Parameters<typeof honoHeader>) => {
      plain = false;
      return honoHeader(...args);
    }) as typeof honoHeader;
    const honoStatus = c.status;
    c.status = ((status: Parameters<typeof honoStatus>[0]) => {
      plain = false; // a status set aside is Hono's to apply
      return honoStatus(status);
    }) as typeof honoStatus;
    c.json = ((object: unknown, status?: unknown, headers?: unknown) => {
      if (!plain || c.finalized || headers !== undefined || (status !== undefined && typeof status !== "number")) {
        return honoJson(object as never, status as never, headers as never);
      }
      return jsonAnswer(c, bodyText(object), (status as number | undefined) ?? 200);
    }) as typeof honoJson;
    await next();
    if (!framed.has(c.res)) finish(c.res, requestId);
  };
}
