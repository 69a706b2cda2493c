import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../errors.ts";
import type { AppEnv } from "./env.ts";
import { fail } from "./envelope.ts";
import { requireJson } from "./middleware.ts";

/**
 * The body rules as one middleware (one step of the chain rather than two): at most `maxSize` bytes (413), and
 * under /api a JSON content type (415). The checks run in that order, as they did as two middleware.
 */
export function bodyChecks(maxSize: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({ maxSize, onError: (c) => fail(c, new AppError("PAYLOAD_TOO_LARGE", "Request body exceeds 1 MiB")) });
  return (c, next) => {
    const path = c.req.path;
    const json = path === "/api" || path.startsWith("/api/") ? async () => void (await requireJson(c, next)) : next;
    return limit(c, json);
  };
}
