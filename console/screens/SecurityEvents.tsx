import { useInfiniteQuery } from "@tanstack/react-query";
import { trpc } from "../trpc.ts";
import { Empty, ErrorNote, Spinner, when } from "../ui.tsx";
import { ACTION_LABELS, describeActor, describeChanges } from "./events.ts";
import { LoadMore } from "./LoadMore.tsx";

/** The caller's own security events, newest first: sign-ins, failed sign-ins, password and key changes. */
export function SecurityEvents({ userId }: { userId: string }) {
  const list = useInfiniteQuery(trpc.auth.events.infiniteQueryOptions({ limit: 10 }, { getNextPageParam: (p) => p.nextCursor }));
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="card" aria-labelledby="events-title">
      <h2 id="events-title">Recent security events</h2>
      <p>Sign-ins to this account, failed attempts, and changes to its password and keys. Something you do not recognise? Change your password and revoke your keys above.</p>
      {list.isPending ? (
        <Spinner label="Loading security events" />
      ) : list.isError ? (
        <ErrorNote error={list.error} />
      ) : rows.length === 0 ? (
        <Empty>No events yet.</Empty>
      ) : (
        <ol className="events">
          {rows.map((e) => (
            <li key={e.id} className={e.action === "auth.login_failed" || e.action === "key.leak_reported" ? "warn" : undefined}>
              <strong>{ACTION_LABELS[e.action]}</strong>
              <span className="meta">
                <time dateTime={e.at.toISOString()}>{when(e.at)}</time> · by {describeActor(e.actor, userId)}
                {e.ip && <> · from {e.ip}</>}
              </span>
              {e.changes && Object.keys(e.changes).length > 0 && <span className="changes">{describeChanges(e.changes)}</span>}
            </li>
          ))}
        </ol>
      )}
      <LoadMore query={list} what="events" />
    </section>
  );
}
