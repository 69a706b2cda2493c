import { z } from "zod";
import { isoDate, pageInput } from "./schemas.ts";

// The audit log's shapes (issue 12): which actions are recorded, what one event looks like, how to page them.

/** Every action the audit log records; docs/API.md ("Audit log") says what each one's fields hold. */
export const AUDIT_ACTIONS = [
  "user.register",
  "user.create",
  "admin.bootstrap",
  "auth.login",
  "auth.login_failed",
  "user.password_change",
  "auth.logout_all",
  "user.update",
  "key.create",
  "key.revoke",
  "key.revoke_all",
  "key.roll",
  "key.update",
  "key.delete",
  "key.leak_reported",
  "article.delete",
] as const;
export const auditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditActionSchema>;

export const auditEventSchema = z.object({
  id: z.string(),
  at: z.date(),
  /** A user id, or "cli", "system" or "anonymous". */
  actor: z.string(),
  action: auditActionSchema,
  targetType: z.enum(["user", "key", "article"]).nullable(),
  targetId: z.string().nullable(),
  /** The account the event concerns: it shows in that user's own security events. */
  subjectUserId: z.string().nullable(),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
  changes: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** A user's own security events: one keyset page, newest first. */
export const auditEventsQuery = pageInput;
/** Every event, filtered: `since` inclusive, `until` exclusive. */
export const adminAuditQuery = pageInput.extend({
  actor: z.string().min(1).max(100).nullish(),
  action: auditActionSchema.nullish(),
  targetId: z.string().min(1).max(100).nullish(),
  /** Every event about one account: its own actions, its keys, what admins did to it. */
  subjectUserId: z.string().min(1).max(100).nullish(),
  since: isoDate.nullish(),
  until: isoDate.nullish(),
});
