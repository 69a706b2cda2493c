import { createMiddleware } from "hono/factory";
import { withAuditScope } from "../core/audit-context.ts";
import type { AppEnv } from "./env.ts";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Who the audit log names for this request: its id, the client's address and the principal (resolved later,
 * so read when an event is written). Only requests that can change something get a scope: reads write no events,
 * and the key routes' GETs (the hot path) stay free of it.
 */
export const auditScope = () =>
  createMiddleware<AppEnv>((c, next) => {
    if (READS.has(c.req.method)) return next();
    const scope = { requestId: c.get("requestId"), ip: c.get("clientIp"), actor: () => c.get("principal")?.userId ?? "anonymous" };
    return withAuditScope(scope, next);
  });
