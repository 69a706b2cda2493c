import type { z } from "zod";
import { describeError } from "../logger.ts";
import type { adminAuditQuery, auditEventsQuery } from "./audit-schemas.ts";
import type { CoreDeps } from "./deps.ts";
import { auditPage } from "./stores/audit-reads.ts";

const DAY = 24 * 60 * 60 * 1000;
/** Events deleted per write job, so pruning a large backlog never holds the writer for long. */
export const PRUNE_CHUNK = 1_000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const FIRST_PRUNE_MS = 30_000;

/** The audit log: reading it (keyset pages by seq, newest first: stores/audit-reads.ts) and pruning it past the retention. */
export function createAudit(deps: CoreDeps) {
  const { db, work, clock, config, logger } = deps;
  let timer: ReturnType<typeof setTimeout> | undefined;

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
    /**
     * Every event, filtered by actor, action, target, account and time (`since` inclusive, `until` exclusive). On a
     * reader thread: a combination of filters can walk many rows before it fills a page.
     */
    list(q: z.infer<typeof adminAuditQuery>) {
      return work.read("audit.list", q);
    },

    /**
     * The events about one account (its own index: a page never walks past them). Where someone else acted (an
     * admin, a leak reporter), their address is not shown; a failed login's address is, since that is what the
     * owner needs to see.
     */
    forUser(userId: string, q: z.infer<typeof auditEventsQuery>) {
      const { items, meta } = auditPage(db, { subjectUserId: userId, limit: q.limit, cursor: q.cursor });
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
