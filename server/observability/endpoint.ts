import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Config } from "../config.ts";
import type { AppEnv } from "../http/env.ts";
import type { Metrics } from "./metrics.ts";

const digest = (s: string) => createHash("sha256").update(s).digest();
const isLoopback = (ip: string) => ip === "::1" || ip.startsWith("127.");

/**
 * `GET /metrics` in the Prometheus text format, for loopback callers and for `Authorization: Bearer
 * <ARGUS_METRICS_TOKEN>`. Everyone else falls through to the ordinary 404, so the route does not show from
 * outside. Mounted as middleware, not a route, so the 405 table never lists it either.
 */
export function metricsEndpoint(config: Config, metrics: Metrics | undefined): MiddlewareHandler<AppEnv> {
  const token = config.metricsToken ? digest(config.metricsToken) : undefined;
  const hasToken = (authorization: string | undefined) => {
    const given = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    return token !== undefined && given !== undefined && timingSafeEqual(digest(given), token);
  };
  return async (c, next) => {
    if (!metrics || (c.req.method !== "GET" && c.req.method !== "HEAD")) return next();
    if (!isLoopback(c.get("clientIp")) && !hasToken(c.req.header("authorization"))) return next();
    c.set("route", "/metrics");
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { "Content-Type": metrics.registry.contentType, "Cache-Control": "no-store" });
  };
}
