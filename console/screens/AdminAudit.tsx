import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { FilterForm } from "../Filters.tsx";
import { byCursor, PagedList } from "../PagedList.tsx";
import { trpc } from "../trpc.ts";
import { Field, StackTable, when } from "../ui.tsx";
import { ACTION_LABELS, ACTIONS, describeChanges, type AuditAction } from "./events.ts";

type Filters = { actor: string; action: string; targetId: string; subjectUserId: string; since: string; until: string };
const none: Filters = { actor: "", action: "", targetId: "", subjectUserId: "", since: "", until: "" };
const DAY = 24 * 60 * 60 * 1000;
const COLUMNS = ["When", "Action", "Actor", "Target", "Address", "Changes"];

/** A long id shown by its first 8 characters; the rest stays in the accessible name and the tooltip. */
function Id({ id }: { id: string }) {
  if (id.length <= 12) return <>{id}</>;
  return (
    <>
      {id.slice(0, 8)}
      <span className="visually-hidden">{id.slice(8)}</span>
      <span aria-hidden="true">…</span>
    </>
  );
}

/** Who did what: the whole audit log, newest first, filtered when the form is submitted (or about one account). */
export function AdminAudit({ account }: { account?: string }) {
  const [filters, setFilters] = useState<Filters>({ ...none, subjectUserId: account ?? "" });
  const input = {
    limit: 25,
    actor: filters.actor || null,
    action: (filters.action || null) as AuditAction | null,
    targetId: filters.targetId || null,
    subjectUserId: filters.subjectUserId || null,
    // Whole local days: from the start of "From" to the end of "To".
    since: filters.since ? new Date(`${filters.since}T00:00:00`) : null,
    until: filters.until ? new Date(new Date(`${filters.until}T00:00:00`).getTime() + DAY) : null,
  };
  const list = useInfiniteQuery(trpc.admin.audit.infiniteQueryOptions(input, byCursor));
  // A click on an actor or a target narrows the log to it.
  const narrow = (patch: Partial<Filters>) => setFilters({ ...filters, ...patch });

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <p className="lead">
        Every sign-in, account change and key change, newest first, with who did it, from which address and in which request.
      </p>
      {/* A narrowing click changes the filters from outside the form: a new form shows them. */}
      <FilterForm key={JSON.stringify(filters)} label="Filter the audit log" submit="Filter" none={none} onApply={setFilters}>
        <Field label="Actor" name="actor" defaultValue={filters.actor} hint="A user id, or cli, system, anonymous" />
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" name="action" defaultValue={filters.action}>
            <option value="">Any</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <Field label="Target id" name="targetId" defaultValue={filters.targetId} />
        <Field label="Account id" name="subjectUserId" defaultValue={filters.subjectUserId} hint="Everything about this user" />
        <Field label="From" name="since" type="date" defaultValue={filters.since} />
        <Field label="To" name="until" type="date" defaultValue={filters.until} />
      </FilterForm>
      <PagedList query={list} what="events" loading="Loading the audit log" empty="No event matches these filters.">
        {(rows) => (
          <StackTable caption="Audit events, newest first" columns={COLUMNS}>
            {rows.map((e) => (
              <tr key={e.id}>
                <th scope="row" data-label="When">
                  <time dateTime={e.at.toISOString()}>{when(e.at)}</time>
                </th>
                <td data-label="Action">
                  <code>{e.action}</code>
                  <span className="visually-hidden"> ({ACTION_LABELS[e.action]})</span>
                </td>
                <td data-label="Actor" className="mono">
                  <button
                    type="button"
                    className="link"
                    onClick={() => narrow({ actor: e.actor })}
                    aria-label={e.actor}
                    title={`${e.actor}: show only this actor`}
                  >
                    <Id id={e.actor} />
                  </button>
                </td>
                <td data-label="Target" className="mono">
                  {e.targetId ? (
                    <button
                      type="button"
                      className="link"
                      onClick={() => narrow({ targetId: e.targetId! })}
                      aria-label={`${e.targetType} ${e.targetId}`}
                      title={`${e.targetId}: show only this target`}
                    >
                      {e.targetType} <Id id={e.targetId} />
                    </button>
                  ) : (
                    "—"
                  )}
                </td>
                <td data-label="Address" className="mono">
                  {e.ip ?? "—"}
                  {e.requestId && (
                    <small className="meta request" title={e.requestId}>
                      request <Id id={e.requestId} />
                    </small>
                  )}
                </td>
                <td data-label="Changes" className="changes">
                  {describeChanges(e.changes) || "—"}
                </td>
              </tr>
            ))}
          </StackTable>
        )}
      </PagedList>
    </section>
  );
}
