import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { auditEvents, type AuditEventRow } from "../../../db/schema.ts";
import type { AuditEvent } from "../audit-schemas.ts";
import { decodeCursor, page } from "../cursor.ts";

/** What an audit page is filtered by: any of these, AND-ed; `since` inclusive, `until` exclusive. */
export type AuditFilter = {
  actor?: string | null;
  action?: string | null;
  targetId?: string | null;
  subjectUserId?: string | null;
  since?: Date | null;
  until?: Date | null;
};

const toEvent = (row: AuditEventRow): AuditEvent => ({
  id: row.id,
  at: row.at,
  actor: row.actor,
  action: row.action as AuditEvent["action"],
  targetType: row.targetType as AuditEvent["targetType"],
  targetId: row.targetId,
  subjectUserId: row.subjectUserId,
  ip: row.ip,
  requestId: row.requestId,
  changes: row.changes ?? null,
});

/**
 * One keyset page of audit events, newest first (seq orders the log; the cursor is [seq, id] of the last event
 * served). One filter walks its own index; several, or `until`, may walk far, which is why the admin's list runs
 * on a reader thread.
 */
export function auditPage(db: Db, q: AuditFilter & { limit: number; cursor?: string | null }) {
  const where: (SQL | undefined)[] = [
    q.actor ? eq(auditEvents.actor, q.actor) : undefined,
    q.action ? eq(auditEvents.action, q.action) : undefined,
    q.targetId ? eq(auditEvents.targetId, q.targetId) : undefined,
    q.subjectUserId ? eq(auditEvents.subjectUserId, q.subjectUserId) : undefined,
    q.since ? gte(auditEvents.at, q.since) : undefined,
    q.until ? lt(auditEvents.at, q.until) : undefined,
  ];
  const after = q.cursor ? decodeCursor(q.cursor).at : undefined;
  const rows = db
    .select()
    .from(auditEvents)
    .where(and(...where, after === undefined ? undefined : lt(auditEvents.seq, after)))
    .orderBy(desc(auditEvents.seq))
    .limit(q.limit + 1)
    .all();
  const p = page(rows, q.limit, (r) => [r.seq, r.id]);
  return { items: p.items.map(toEvent), meta: p.meta };
}
