import { createMiddleware } from "hono/factory";
import { hasSessionCookie, isMutation, originOf } from "../auth/session-cookie.ts";
import { forbidden } from "../errors.ts";
import type { AppEnv } from "./env.ts";

/**
 * CSRF: a mutation that could ride on the console's cookie (it carries one, or it is a session route that would
 * set one) must come from this origin. Runs before body checks, so a cross-origin form post gets 403, not 415.
 * Bearer and API-key callers without the cookie are untouched: a browser cannot attach those cross-origin.
 */
export const sameOriginMutations = (trustProxy: boolean) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!isMutation(c.req.method)) return next();
    const cookieRoute = c.req.path === "/api/auth/session" || c.req.path.startsWith("/api/auth/session/");
    if (!cookieRoute && !hasSessionCookie(c)) return next();
    const origin = originOf(c, trustProxy);
    // Browsers send Origin on every POST/PUT/DELETE; a cookie-holding mutation without one is not the console,
    // and the session routes exist only for the console (scripts sign in with POST /api/auth/login).
    if (origin !== "same") {
      throw forbidden("Cross-origin request refused");
    }
    await next();
  });
