import { useInfiniteQuery } from "@tanstack/react-query";
import { byCursor, PagedList } from "../PagedList.tsx";
import { trpc } from "../trpc.ts";
import { when } from "../ui.tsx";
import { ACTION_LABELS, describeActor, describeChanges } from "./events.ts";

/** The caller's own security events, newest first: sign-ins, failed sign-ins, password and key changes. */
export function SecurityEvents({ userId }: { userId: string }) {
  const list = useInfiniteQuery(trpc.auth.events.infiniteQueryOptions({ limit: 10 }, byCursor));
  return (
    <section className="card" aria-labelledby="events-title">
      <h2 id="events-title">Recent security events</h2>
      <p>Sign-ins to this account, failed attempts, and changes to its password and keys. Something you do not recognise? Change your password and revoke your keys above.</p>
      <PagedList query={list} what="events" loading="Loading security events" empty="No events yet.">
        {(rows) => (
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
      </PagedList>
    </section>
  );
}
