import { resolve } from "node:path";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { clearSessionCookie, setSessionCookie } from "../../auth/session-cookie.ts";
import { loginInput, registerInput, userSchema } from "../../core/schemas.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody, responses } from "../envelope.ts";

// The console's doors into a session: the same login and sign-up as /api/auth, but the JWT goes into an
// HttpOnly cookie instead of the body, so no page script can read it.
const tags = ["Console session"];
const cookieSession = z.object({ expiresAt: z.date(), user: userSchema });
const status = z.object({
  setupRequired: z.boolean(),
  registrationOpen: z.boolean(),
  /** Only while no admin exists: the command that creates one for this very server (binary, data directory). */
  setupCommand: z.string().optional(),
});

function setupCommand(dataDir: string) {
  // A compiled binary runs from Bun's embedded file system; from source the package script runs the CLI.
  const quote = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replaceAll("'", `'\\''`)}'`);
  const cli = import.meta.path.startsWith("/$bunfs/") ? quote(process.execPath) : "bun run argus";
  return `ARGUS_DATA_DIR=${quote(resolve(dataDir))} ${cli} users create --email you@example.com --admin`;
}

const login = createRoute({
  method: "post", path: "/session", tags, summary: "Sign in; the session goes into an HttpOnly cookie",
  request: { body: jsonBody(loginInput) },
  responses: { ...responses(cookieSession, "Signed in; Set-Cookie holds the session"), 503: { description: "Too many passwords being checked; retry after Retry-After" } },
});
const register = createRoute({
  method: "post", path: "/session/register", tags, summary: "Create an account; the session goes into a cookie",
  request: { body: jsonBody(registerInput) },
  responses: {
    ...responses(cookieSession, "Account created; Set-Cookie holds the session", 201),
    409: { description: "Email already registered" },
    503: { description: "Too many passwords being hashed; retry after Retry-After" },
  },
});
const logout = createRoute({
  method: "delete", path: "/session", tags, summary: "Sign out of this browser (clears the cookie)",
  responses: responses(z.null(), "Cookie cleared"),
});
const setup = createRoute({
  method: "get", path: "/status", tags, summary: "Public: whether an admin still has to be created, and whether sign-up is open",
  responses: responses(status, "Status"),
});

export const sessionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(login, async (c) => {
    const core = c.get("core");
    const { token, expiresAt, user } = await core.users.login(c.req.valid("json"), c.get("clientIp"));
    setSessionCookie(c, core.deps.config.trustProxy, token, expiresAt);
    return c.json({ success: true as const, data: { expiresAt, user } }, 200);
  })
  .openapi(register, async (c) => {
    const core = c.get("core");
    const { token, expiresAt, user } = await core.users.register(c.req.valid("json"), c.get("clientIp"));
    setSessionCookie(c, core.deps.config.trustProxy, token, expiresAt);
    return c.json({ success: true as const, data: { expiresAt, user }, message: "Account created" }, 201);
  })
  .openapi(logout, (c) => {
    clearSessionCookie(c, c.get("core").deps.config.trustProxy);
    return c.json({ success: true as const, data: null, message: "Signed out" }, 200);
  })
  .openapi(setup, async (c) => {
    const core = c.get("core");
    const admins = await core.users.adminList({ role: "admin", isActive: true, limit: 1 });
    const setupRequired = admins.items.length === 0;
    const data = {
      setupRequired,
      registrationOpen: core.deps.config.allowRegistration,
      ...(setupRequired ? { setupCommand: setupCommand(core.deps.config.dataDir) } : {}),
    };
    return c.json({ success: true as const, data }, 200);
  });
