import type { Db } from "../../../db/client.ts";
import { auditEvents } from "../../../db/schema.ts";
import type { AuditContext } from "../audit-context.ts";
import type { AuditAction, AuditEvent } from "../audit-schemas.ts";

// Audit events, written on the writer thread by the very job that does the action, so they commit or roll back
// with it: an action that fails leaves no event, and no event is ever missing for one that happened.

export type AuditEntry = {
  action: AuditAction;
  targetType?: AuditEvent["targetType"];
  targetId?: string | null;
  subjectUserId?: string | null;
  /** A small JSON of what changed: names, flags, from/to pairs; never a key, hash, password or token. */
  changes?: Record<string, unknown> | null;
  /** Overrides the caller's actor (the new user of a sign-up, "anonymous" for a leak report). */
  actor?: string;
};

const toRow = (ctx: AuditContext, at: number, e: AuditEntry) => ({
  id: `evt_${Bun.randomUUIDv7()}`,
  at: new Date(at),
  actor: e.actor ?? ctx.actor,
  action: e.action,
  targetType: e.targetType ?? null,
  targetId: e.targetId ?? null,
  subjectUserId: e.subjectUserId ?? null,
  ip: ctx.ip,
  requestId: ctx.requestId,
  changes: e.changes ?? null,
});

/** Rows per INSERT when many events are written at once (well under SQLite's bound-variable limit). */
const CHUNK = 500;

/** Appends one event in the caller's transaction. */
export function audit(db: Db, ctx: AuditContext, at: number, e: AuditEntry) {
  db.insert(auditEvents).values(toRow(ctx, at, e)).run();
}

/** Appends several events, in order, in the caller's transaction. */
export function auditAll(db: Db, ctx: AuditContext, at: number, entries: AuditEntry[]) {
  for (let i = 0; i < entries.length; i += CHUNK) {
    db.insert(auditEvents).values(entries.slice(i, i + CHUNK).map((e) => toRow(ctx, at, e))).run();
  }
}

/** An event that is the whole action (a login, which writes nothing else). */
export function recordEvent(db: Db, args: { audit: AuditContext; now: number; event: AuditEntry }) {
  audit(db, args.audit, args.now, args.event);
}

/** Deletes up to `limit` events older than `before`, oldest first; how many went. */
export function pruneEvents(db: Db, args: { before: number; limit: number }): number {
  return db.$client
    .query("DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE at < ? ORDER BY at LIMIT ?)")
    .run(args.before, args.limit).changes;
}

/** Only the fields whose value changes, as `{ field: { from, to } }`. */
export function diff<T extends Record<string, unknown>>(before: T, patch: Partial<T>): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, to] of Object.entries(patch)) {
    const from = before[k] ?? null;
    if (to !== undefined && JSON.stringify(from) !== JSON.stringify(to ?? null)) out[k] = { from, to: to ?? null };
  }
  return out;
}
