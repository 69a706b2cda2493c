import { adminAuditQuery, auditEventsQuery } from "../../core/audit-schemas.ts";
import { adminProcedure, jwtProcedure, page } from "../init.ts";

// The audit log's procedures, mounted as admin.audit and auth.events.

export const adminAudit = adminProcedure
  .input(adminAuditQuery.prefault({}))
  .query(({ ctx, input }) => page(ctx, input, (q) => ctx.core.audit.list(q)));

export const ownEvents = jwtProcedure
  .input(auditEventsQuery.prefault({}))
  .query(({ ctx, input }) => page(ctx, input, (q) => ctx.core.audit.forUser(ctx.principal.userId, q)));
