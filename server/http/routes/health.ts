import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { responses } from "../envelope.ts";

const health = createRoute({
  method: "get", path: "/health", tags: ["Operations"], summary: "Liveness, no auth",
  responses: responses(z.object({ status: z.enum(["ok", "degraded"]), rateLimiter: z.enum(["ok", "degraded"]) }), "Up"),
});

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(health, (c) => {
  const limiter = c.get("core").deps.limiter.health();
  return c.json({ success: true as const, data: { status: "ok" as const, rateLimiter: limiter } }, 200);
});
