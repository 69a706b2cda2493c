import { createMiddleware } from "hono/factory";
import { requireAdmin, requireAuth, requireJwt, resolvePrincipal } from "../auth/principal.ts";
import { sessionCredential } from "../auth/session-cookie.ts";
import { AppError, unauthorized } from "../errors.ts";
import type { AppEnv } from "./env.ts";
import { admitKey, settleKey } from "../auth/key-admission.ts";

/**
 * Resolves the caller once per request. With `keys`, an API key is accepted and charged one token,
 * and every response it gets (2xx or not) carries the rate-limit headers.
 */
const gates = { any: requireAuth, jwt: requireJwt, admin: requireAdmin };

export const authenticate = (opts: { keys: boolean; require?: keyof typeof gates }) =>
  createMiddleware<AppEnv>(async (c, next) => {
    // Resolved once per request: key-accepting paths do it app-wide (so even a 405/413/415 answer to a key
    // spends its token and carries the headers); the route's own declaration then only applies its rule.
    if (c.get("authenticated")) {
      if (opts.require) gates[opts.require](c.get("principal"));
      return next();
    }
    c.set("authenticated", true);
    const core = c.get("core");
    const authorization = c.req.header("authorization");
    const apiKey = c.req.header("x-api-key");
    if (!opts.keys && apiKey && !authorization) {
      throw unauthorized("This route requires a JWT; API keys cannot be used here");
    }
    const principal = await resolvePrincipal(core, {
      authorization,
      apiKey: opts.keys ? apiKey : undefined,
      sessionCookie: sessionCredential(c, core.deps.config.trustProxy),
      get clientIp() {
        return c.get("clientIp"); // worked out only if a check needs it
      },
    });
    c.set("principal", principal);
    // Checked before input validation, so an anonymous caller learns nothing about the route's schema.
    if (opts.require) gates[opts.require](principal);
    if (principal?.via !== "apiKey") return next();

    const admitted = admitKey(core, principal);
    const admission = admitted instanceof Promise ? await admitted : admitted;
    if (admission.refused) {
      for (const [k, v] of Object.entries(admission.headers)) c.header(k, v);
      throw admission.refused;
    }
    await next();
    const settled = settleKey(core, principal, admission, c.res.status);
    if (settled) await settled;
    for (const [k, v] of Object.entries(admission.headers)) c.res.headers.set(k, v);
  });

/** Bodies must be JSON (any charset); an empty body falls through to validation. */
export const requireJson = createMiddleware<AppEnv>(async (c, next) => {
  const length = c.req.header("content-length");
  const hasBody = length !== undefined ? length !== "0" : c.req.raw.body !== null;
  const type = c.req.header("content-type");
  if (hasBody && (!type || !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type))) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
  }
  await next();
});

/**
 * For routes whose JSON body is optional: an empty body sent with a JSON content type (`curl -H ... -X POST`)
 * means no body, rather than malformed JSON.
 */
export const emptyBodyIsNoBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("content-type") && (await c.req.raw.clone().text()).trim() === "") {
    const headers = new Headers(c.req.raw.headers);
    headers.delete("content-type");
    c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers });
  }
  await next();
});
