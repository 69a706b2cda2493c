import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Core } from "../../core/index.ts";
import type { AppEnv } from "../env.ts";
import { responses } from "../envelope.ts";

const health = createRoute({
  method: "get", path: "/health", tags: ["Operations"], summary: "Liveness, no auth",
  responses: responses(
    z.object({ status: z.enum(["ok", "degraded"]), database: z.enum(["ok", "failing"]), rateLimiter: z.enum(["ok", "degraded"]) }),
    "Up",
  ),
});

/** What /api/health answers (the app's route and the fast path's). */
export function healthOf(core: Core) {
  const { limiter, work } = core.deps;
  const database = work.health();
  const status = database === "ok" ? ("ok" as const) : ("degraded" as const);
  return { status, database, rateLimiter: limiter.health() };
}

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(health, (c) => {
  return c.json({ success: true as const, data: healthOf(c.get("core")) }, 200);
});
