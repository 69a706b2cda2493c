import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { requireAdmin, requireJwt } from "../../auth/principal.ts";
import { idParam } from "../../core/schemas.ts";
import { keyUsageSchema, usageQuery, usageTotalsQuery, usageTotalsSchema } from "../../core/usage-schemas.ts";
import type { AppEnv } from "../env.ts";
import { responses } from "../envelope.ts";
import { authenticate } from "../middleware.ts";

// Per-key usage over REST: the owner's series, any key's series and everyone's totals for admins.

const security = [{ bearer: [] }];
const series = "Request counts by outcome in buckets of the granularity (sparse, oldest first) and their totals";

const ownSeries = createRoute({
  method: "get", path: "/{id}/usage", tags: ["API keys"], security, middleware: authenticate({ keys: false, require: "jwt" }),
  summary: "Usage of one of your keys by minute, hour or day, by outcome",
  request: { params: idParam, query: usageQuery },
  responses: responses(keyUsageSchema, series),
});
const admin = { tags: ["Admin"], security, middleware: authenticate({ keys: false, require: "admin" }) };
const anySeries = createRoute({
  ...admin, method: "get", path: "/api-keys/{id}/usage", summary: "Usage of any key by minute, hour or day, by outcome",
  request: { params: idParam, query: usageQuery },
  responses: responses(keyUsageSchema, series),
});
const totals = createRoute({
  ...admin, method: "get", path: "/usage", summary: "Usage totals per key and per user in a range, most used first",
  request: { query: usageTotalsQuery },
  responses: responses(usageTotalsSchema, "The top keys and users by requests (or by one outcome) in the range"),
});

/** Mounted at /api/keys. */
export const keyUsageRoutes = new OpenAPIHono<AppEnv>().openapi(ownSeries, async (c) => {
  const p = requireJwt(c.get("principal"));
  const data = await c.get("core").usage.forKey(p.userId, c.req.valid("param").id, c.req.valid("query"));
  return c.json({ success: true as const, data }, 200);
});

/** Mounted at /api/admin. */
export const adminUsageRoutes = new OpenAPIHono<AppEnv>()
  .openapi(anySeries, async (c) => {
    requireAdmin(c.get("principal"));
    const data = await c.get("core").usage.forKey(null, c.req.valid("param").id, c.req.valid("query"));
    return c.json({ success: true as const, data }, 200);
  })
  .openapi(totals, async (c) => {
    requireAdmin(c.get("principal"));
    const data = await c.get("core").usage.totals(c.req.valid("query"));
    return c.json({ success: true as const, data }, 200);
  });
