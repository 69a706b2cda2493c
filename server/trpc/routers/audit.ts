import { adminAuditQuery, auditEventsQuery } from "../../core/audit-schemas.ts";
import { adminProcedure, flatPage, jwtProcedure } from "../init.ts";

// The audit log's procedures, mounted as admin.audit and auth.events.

export const adminAudit = adminProcedure
  .input(adminAuditQuery.prefault({}))
  .query(({ ctx, input }) => flatPage(ctx.core.audit.list(input)));

export const ownEvents = jwtProcedure
  .input(auditEventsQuery.prefault({}))
  .query(({ ctx, input }) => flatPage(ctx.core.audit.forUser(ctx.principal.userId, input)));
