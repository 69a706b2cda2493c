import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Core } from "../../core/index.ts";
import { share } from "../../core/shared-values.ts";
import type { AppEnv } from "../env.ts";
import { responses } from "../envelope.ts";

const health = createRoute({
  method: "get", path: "/health", tags: ["Operations"], summary: "Liveness, no auth",
  responses: responses(
    z.object({ status: z.enum(["ok", "degraded"]), database: z.enum(["ok", "failing"]), rateLimiter: z.enum(["ok", "degraded"]) }),
    "Up",
  ),
});

type Health = { status: "ok" | "degraded"; database: "ok" | "failing"; rateLimiter: "ok" | "degraded" };

// The four answers there can be, shared: each one's envelope text is made once (http/frame.ts bodyText).
const answers = new Map<string, Health>();

/** What /api/health answers (the app's route and the fast path's). */
export function healthOf(core: Core): Health {
  const { limiter, work } = core.deps;
  const database = work.health();
  const rateLimiter = limiter.health();
  const key = `${database} ${rateLimiter}`;
  let health = answers.get(key);
  if (!health) {
    answers.set(key, (health = share({ status: database === "ok" ? "ok" : "degraded", database, rateLimiter })));
  }
  return health;
}

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(health, (c) => {
  return c.json({ success: true as const, data: healthOf(c.get("core")) }, 200);
});
