import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireAdmin, requireJwt } from "../../auth/principal.ts";
import { adminAuditQuery, auditEventSchema, auditEventsQuery } from "../../core/audit-schemas.ts";
import type { AppEnv } from "../env.ts";
import { responses } from "../envelope.ts";
import { authenticate } from "../middleware.ts";

const security = [{ bearer: [] }];

const adminAudit = createRoute({
  method: "get", path: "/admin/audit", tags: ["Admin"], security, middleware: authenticate({ keys: false, require: "admin" }),
  summary: "The audit log: who did what, filtered, newest first",
  request: { query: adminAuditQuery },
  responses: responses(z.array(auditEventSchema), "One page of events; meta carries nextCursor and hasMore"),
});
const ownEvents = createRoute({
  method: "get", path: "/auth/events", tags: ["Auth"], security, middleware: authenticate({ keys: false, require: "jwt" }),
  summary: "Your security events: sign-ins, failed sign-ins, password and key changes on your account",
  request: { query: auditEventsQuery },
  responses: responses(z.array(auditEventSchema), "One page of your events, newest first; meta carries nextCursor and hasMore"),
});

/** Mounted at /api: the admin's whole log and each user's own events. */
export const auditRoutes = new OpenAPIHono<AppEnv>()
  .openapi(adminAudit, async (c) => {
    requireAdmin(c.get("principal"));
    const { items, meta } = await c.get("core").audit.list(c.req.valid("query"));
    return c.json({ success: true as const, data: items, meta }, 200);
  })
  .openapi(ownEvents, (c) => {
    const p = requireJwt(c.get("principal"));
    const { items, meta } = c.get("core").audit.forUser(p.userId, c.req.valid("query"));
    return c.json({ success: true as const, data: items, meta }, 200);
  });
