import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";

const KEY_SHAPED = /argus_/i;

/**
 * Hono's request id (a caller's own `X-Request-Id` is kept, for tracing through a proxy), except one that
 * holds an API key: that id would be echoed and logged, so a key pasted into the wrong header gets a fresh id.
 */
export function requestIds(): MiddlewareHandler {
  const echo = requestId();
  return async (c, next) => {
    if (!KEY_SHAPED.test(c.req.header("x-request-id") ?? "")) await echo(c, next);
    else {
      c.set("requestId", crypto.randomUUID());
      await next();
    }
    // A handler that builds its own Response (tRPC) drops headers set before it ran: set it on the answer.
    c.res.headers.set("X-Request-Id", c.get("requestId"));
  };
}
