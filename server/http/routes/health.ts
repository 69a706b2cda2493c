import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { responses } from "../envelope.ts";

const health = createRoute({
  method: "get", path: "/health", tags: ["Operations"], summary: "Liveness, no auth",
  responses: responses(
    z.object({ status: z.enum(["ok", "degraded"]), database: z.enum(["ok", "failing"]), rateLimiter: z.enum(["ok", "degraded"]) }),
    "Up",
  ),
});

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(health, (c) => {
  const { limiter, work } = c.get("core").deps;
  const database = work.health();
  const status = database === "ok" ? ("ok" as const) : ("degraded" as const);
  return c.json({ success: true as const, data: { status, database, rateLimiter: limiter.health() } }, 200);
});
