import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

/**
 * The console's session: the same 7-day JWT a bearer caller holds, kept in an HttpOnly cookie so page scripts
 * never see it. The cookie counts only on same-origin requests; mutations must also carry a matching Origin (CSRF).
 */
export const SESSION_COOKIE = "argus_session";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const isMutation = (method: string) => !SAFE_METHODS.has(method.toUpperCase());

/** TLS as the client saw it: the socket's scheme, or the proxy's word when the proxy is trusted. */
export function overTls(c: Context, trustProxy: boolean) {
  if (new URL(c.req.url).protocol === "https:") return true;
  return trustProxy && c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}

/** The host the client addressed (the proxy's X-Forwarded-Host when trusted). */
function ownHost(c: Context, trustProxy: boolean) {
  const forwarded = trustProxy ? c.req.header("x-forwarded-host")?.split(",")[0]?.trim() : undefined;
  return (forwarded || c.req.header("host") || new URL(c.req.url).host).toLowerCase();
}

/** "same" when Origin names this server, "cross" when it names another, "none" when the browser sent none. */
export function originOf(c: Context, trustProxy: boolean): "same" | "cross" | "none" {
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  if (site === "cross-site" || site === "same-site") return "cross";
  if (!origin) return "none";
  try {
    return new URL(origin).host.toLowerCase() === ownHost(c, trustProxy) ? "same" : "cross";
  } catch {
    return "cross"; // "null" (sandboxed frames, some redirects) or garbage
  }
}

export const hasSessionCookie = (c: Context) => getCookie(c, SESSION_COOKIE) !== undefined;

/** The cookie's JWT when this request may use it: same origin, and a mutation must say so with its Origin. */
export function sessionCredential(c: Context, trustProxy: boolean): string | null {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  const origin = originOf(c, trustProxy);
  if (origin === "cross" || (origin === "none" && isMutation(c.req.method))) return null;
  return token;
}

export function setSessionCookie(c: Context, trustProxy: boolean, token: string, expiresAt: Date) {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    secure: overTls(c, trustProxy),
    path: "/",
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context, trustProxy: boolean) {
  deleteCookie(c, SESSION_COOKIE, { httpOnly: true, sameSite: "Strict", secure: overTls(c, trustProxy), path: "/" });
}
