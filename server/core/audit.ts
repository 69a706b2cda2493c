import { and, desc, eq, gte, lt } from "drizzle-orm";
import type { z } from "zod";
import { auditEvents, type AuditEventRow } from "../../db/schema.ts";
import { describeError } from "../logger.ts";
import type { adminAuditQuery, AuditEvent, auditEventsQuery } from "./audit-schemas.ts";
import { decodeCursor, page } from "./cursor.ts";
import type { CoreDeps } from "./deps.ts";

const DAY = 24 * 60 * 60 * 1000;
/** Events deleted per write job, so pruning a large backlog never holds the writer for long. */
export const PRUNE_CHUNK = 1_000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const FIRST_PRUNE_MS = 30_000;

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

/** The audit log: reading it (keyset pages by seq, newest first) and pruning it past the retention. */
export function createAudit(deps: CoreDeps) {
  const { db, work, clock, config, logger } = deps;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function query(where: ReturnType<typeof and>, q: { limit: number; cursor?: string | null }) {
    // The cursor is [seq, id] of the last event served; seq alone orders the log.
    const after = q.cursor ? decodeCursor(q.cursor).at : undefined;
    const rows = db
      .select()
      .from(auditEvents)
      .where(and(where, after === undefined ? undefined : lt(auditEvents.seq, after)))
      .orderBy(desc(auditEvents.seq))
      .limit(q.limit + 1)
      .all();
    const p = page(rows, q.limit, (r) => [r.seq, r.id]);
    return { items: p.items.map(toEvent), meta: p.meta };
  }

  async function prune(): Promise<number> {
    if (config.auditRetentionDays === 0) return 0;
    const before = clock.now() - config.auditRetentionDays * DAY;
    let total = 0;
    for (;;) {
      const n = await work.write("audit.prune", { before, limit: PRUNE_CHUNK });
      total += n;
      if (n < PRUNE_CHUNK) return total;
    }
  }

  const run = () =>
    prune()
      .then((n) => n > 0 && logger.info("pruned audit events", { count: n, retentionDays: config.auditRetentionDays }))
      .catch((e) => logger.warn("could not prune audit events", describeError(e)));

  return {
    /** Every event, filtered by actor, action, target, account and time (`since` inclusive, `until` exclusive). */
    list(q: z.infer<typeof adminAuditQuery>) {
      return query(
        and(
          q.actor ? eq(auditEvents.actor, q.actor) : undefined,
          q.action ? eq(auditEvents.action, q.action) : undefined,
          q.targetId ? eq(auditEvents.targetId, q.targetId) : undefined,
          q.subjectUserId ? eq(auditEvents.subjectUserId, q.subjectUserId) : undefined,
          q.since ? gte(auditEvents.at, q.since) : undefined,
          q.until ? lt(auditEvents.at, q.until) : undefined,
        ),
        q,
      );
    },

    /**
     * The events about one account. Where someone else acted (an admin, a leak reporter), their address is not
     * shown; a failed login's address is, since that is what the owner needs to see.
     */
    forUser(userId: string, q: z.infer<typeof auditEventsQuery>) {
      const { items, meta } = query(eq(auditEvents.subjectUserId, userId), q);
      const shown = items.map((e) => (e.actor === userId || e.action === "auth.login_failed" ? e : { ...e, ip: null }));
      return { items: shown, meta };
    },

    /** Deletes events older than ARGUS_AUDIT_RETENTION_DAYS, in bounded chunks; how many. */
    prune,

    /** Prunes shortly after start and then hourly, until `stop`. Every process may do it: each chunk is bounded. */
    start(firstMs = FIRST_PRUNE_MS) {
      if (timer || config.auditRetentionDays === 0) return;
      const next = (ms: number) => {
        timer = setTimeout(() => void run().finally(() => timer && next(PRUNE_EVERY_MS)), ms);
        timer.unref();
      };
      next(firstMs);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
export type Audit = ReturnType<typeof createAudit>;
