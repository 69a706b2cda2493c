import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError } from "../errors.ts";
import { describeError, type Logger } from "../logger.ts";
import { routePattern } from "../observability/access-log.ts";
import { fail } from "./envelope.ts";

/** Every thrown thing becomes the envelope; unknown errors are logged with the request id and answered opaquely. */
export const onError = (logger: Logger) => (err: Error, c: Context) => {
  if (err instanceof AppError) return fail(c, err);
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) return fail(c, new AppError("PAYLOAD_TOO_LARGE", "Request body exceeds 1 MiB"));
    if (status === 400) return fail(c, new AppError("BAD_REQUEST", "Malformed JSON in request body"));
    if (status === 401) return fail(c, new AppError("UNAUTHORIZED", "Authentication required"));
  }
  logger.error("unhandled error", {
    requestId: c.get("requestId"),
    method: c.req.method,
    route: routePattern(c, () => null), // the pattern, not the path: a path can carry a caller's key
    ...describeError(err),
  });
  return fail(c, new AppError("INTERNAL", "Internal server error"));
};

/** 404 for unknown paths; 405 with `Allow` when the path exists under other methods. */
export function notFoundOrMethod(app: Hono<any>) {
  let table: { pattern: RegExp; methods: Set<string> }[] | undefined;
  const build = () => {
    const byPath = new Map<string, Set<string>>();
    for (const r of app.routes) {
      if (r.method === "ALL" || r.path.includes("*")) continue;
      byPath.set(r.path, (byPath.get(r.path) ?? new Set()).add(r.method));
    }
    return [...byPath].map(([path, methods]) => ({
      pattern: new RegExp("^" + path.replace(/:[^/]+/g, "[^/]+") + "$"),
      methods,
    }));
  };
  return (c: Context) => {
    table ??= build();
    const methods = new Set<string>();
    for (const row of table) if (row.pattern.test(c.req.path)) row.methods.forEach((m) => methods.add(m));
    if (methods.size > 0) {
      if (methods.has("GET")) methods.add("HEAD");
      c.header("Allow", [...methods].join(", "));
      return fail(c, new AppError("METHOD_NOT_ALLOWED", `Method ${c.req.method} is not allowed on this route`));
    }
    return fail(c, new AppError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`));
  };
}
