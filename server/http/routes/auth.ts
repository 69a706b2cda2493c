import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireAuth, requireJwt, whoAmI } from "../../auth/principal.ts";
import { clearSessionCookie, setSessionCookie } from "../../auth/session-cookie.ts";
import { keyIdentitySchema } from "../../core/key-schemas.ts";
import { changePasswordInput, loginInput, logoutAllInput, registerInput, sessionSchema, userSchema } from "../../core/schemas.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody, responses } from "../envelope.ts";
import { authenticate, emptyBodyIsNoBody } from "../middleware.ts";

const tags = ["Auth"];
const security = [{ bearer: [] }];

const register = createRoute({
  method: "post", path: "/register", tags, summary: "Create an account and a session",
  request: { body: jsonBody(registerInput) },
  responses: {
    ...responses(sessionSchema, "Account created", 201),
    409: { description: "Email already registered" },
    503: { description: "Too many passwords being hashed; retry after Retry-After" },
  },
});
const login = createRoute({
  method: "post", path: "/login", tags, summary: "Exchange email and password for a 7-day JWT",
  request: { body: jsonBody(loginInput) },
  responses: { ...responses(sessionSchema, "Signed in"), 503: { description: "Too many passwords being checked; retry after Retry-After" } },
});
const me = createRoute({
  method: "get", path: "/me", tags, summary: "The calling user (JWT or API key)",
  security: [{ bearer: [] }, { apiKey: [] }],
  middleware: authenticate({ keys: true, require: "any" }),
  responses: responses(userSchema.extend({ key: keyIdentitySchema.optional() }), "The user (and, for a key, which key)"),
});
const password = createRoute({
  method: "put", path: "/password", tags, security,
  summary: "Change the password; earlier tokens stop working (and every API key, with revokeKeys: true)",
  middleware: authenticate({ keys: false, require: "jwt" }),
  request: { body: jsonBody(changePasswordInput) },
  responses: {
    ...responses(sessionSchema, "Password changed; a fresh session"),
    503: { description: "Too many passwords being checked; retry after Retry-After" },
  },
});
const logoutAll = createRoute({
  method: "post", path: "/logout-all", tags, security,
  summary: "End every session of the user (and revoke every API key, with revokeKeys: true)",
  // The body is optional: none, or an empty one with a JSON content type, means `{}`.
  middleware: [authenticate({ keys: false, require: "jwt" }), emptyBodyIsNoBody] as const,
  request: { body: { required: false, content: { "application/json": { schema: logoutAllInput } } } },
  responses: responses(z.null(), "Every token revoked"),
});

export const authRoutes = new OpenAPIHono<AppEnv>()
  .openapi(register, async (c) => {
    const session = await c.get("core").users.register(c.req.valid("json"), c.get("clientIp"));
    return c.json({ success: true as const, data: session, message: "Account created" }, 201);
  })
  .openapi(login, async (c) => {
    const session = await c.get("core").users.login(c.req.valid("json"), c.get("clientIp"));
    return c.json({ success: true as const, data: session }, 200);
  })
  .openapi(me, (c) => {
    return c.json({ success: true as const, data: whoAmI(requireAuth(c.get("principal"))) }, 200);
  })
  .openapi(password, async (c) => {
    const p = requireJwt(c.get("principal"));
    const core = c.get("core");
    const session = await core.users.changePassword(p.userId, c.req.valid("json"));
    if (p.cookie) {
      // The console's old cookie just stopped working: the fresh one replaces it, and the body holds no token.
      setSessionCookie(c, core.deps.config.trustProxy, session.token, session.expiresAt);
      return c.json({ success: true as const, data: { ...session, token: "" }, message: "Password changed" }, 200);
    }
    return c.json({ success: true as const, data: session, message: "Password changed" }, 200);
  })
  .openapi(logoutAll, async (c) => {
    const p = requireJwt(c.get("principal"));
    const { revokedKeys } = await c.get("core").users.logoutAll(p.userId, c.req.valid("json"));
    if (p.cookie) clearSessionCookie(c, c.get("core").deps.config.trustProxy);
    const message = revokedKeys > 0 ? `Logged out everywhere; ${revokedKeys} API key(s) revoked` : "Logged out everywhere";
    return c.json({ success: true as const, data: null, message }, 200);
  });
