import { adminAuditQuery, type AuditEvent } from "../core/audit-schemas.ts";
import { notFound } from "../errors.ts";
import { parse, validate } from "./args.ts";
import { withCore } from "./context.ts";
import { emit, table, when } from "./output.ts";

const FLAG = { targetId: "--target", subjectUserId: "--user" } as Record<string, string>;

const target = (e: AuditEvent) => (e.targetId ? `${e.targetType}:${e.targetId}` : "-");
const changes = (e: AuditEvent) => (e.changes && Object.keys(e.changes).length > 0 ? JSON.stringify(e.changes) : "-");

/** `argus audit`: one page of the audit log, newest first, filtered like GET /api/admin/audit. */
export async function auditCommand(args: string[]) {
  const { values } = parse(args, {
    actor: { type: "string" },
    action: { type: "string" },
    target: { type: "string" },
    user: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    limit: { type: "string" },
    cursor: { type: "string" },
  });
  const q = validate(
    adminAuditQuery,
    {
      actor: values.actor, action: values.action, targetId: values.target, subjectUserId: values.user, since: values.since, until: values.until,
      limit: values.limit, cursor: values.cursor,
    },
    (f) => FLAG[f] ?? `--${f}`,
  );
  const { items, meta } = await withCore((core) => {
    // An email is the readable way to name a user; the log stores their id.
    const idOf = (who: string) => {
      if (!who.includes("@")) return who;
      const user = core.users.findByEmail(who);
      if (!user) throw notFound(`no user with email ${who.trim().toLowerCase()}`);
      return user.id;
    };
    if (q.actor) q.actor = idOf(q.actor);
    if (q.subjectUserId) q.subjectUserId = idOf(q.subjectUserId);
    return core.audit.list(q);
  });
  if (values.json) return emit(true, { events: items, nextCursor: meta.nextCursor, hasMore: meta.hasMore }, () => "");
  emit(false, null, () =>
    table(
      ["AT", "ACTOR", "ACTION", "TARGET", "IP", "REQUEST ID", "CHANGES"],
      items.map((e) => [when(e.at), e.actor, e.action, target(e), e.ip ?? "-", e.requestId ?? "-", changes(e)]),
      "no audit events",
    ),
  );
  if (meta.hasMore) console.error(`more events: argus audit ... --cursor ${meta.nextCursor}`);
}
