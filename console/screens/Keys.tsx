import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { queryClient, trpc } from "../trpc.ts";
import { ConfirmButton, Empty, ErrorNote, Spinner } from "../ui.tsx";
import { CreateKey, type CreatedKey, NewKeyPanel } from "./CreateKey.tsx";
import { KeyTable } from "./KeyTable.tsx";
import { RollKey } from "./RollKey.tsx";
import { LoadMore } from "./LoadMore.tsx";

const PAGE = 25;

/** The caller's keys: create (shown once), list, roll with a grace period, revoke; each name opens its details. */
export function Keys() {
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [withRevoked, setWithRevoked] = useState(false);
  const input = withRevoked ? { limit: PAGE, includeRevoked: true } : { limit: PAGE };
  const list = useInfiniteQuery(trpc.keys.list.infiniteQueryOptions(input, { getNextPageParam: (p) => p.nextCursor }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.keys.list.pathKey() });
  const revoke = useMutation(trpc.keys.revoke.mutationOptions({ onSuccess: refresh }));
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <p className="lead">
        Programs use a key in the <code>X-API-Key</code> header to read the articles feed. Each key has its own rate limit.
      </p>
      {created ? (
        <NewKeyPanel created={created} onDone={() => setCreated(null)} />
      ) : (
        <CreateKey onCreated={(k) => (setCreated(k), refresh())} />
      )}
      <h2>Your keys</h2>
      <label className="check">
        <input type="checkbox" checked={withRevoked} onChange={(e) => setWithRevoked(e.target.checked)} /> Also show revoked
        keys and rolled keys whose overlap has ended
      </label>
      <ErrorNote error={revoke.error} />
      {list.isPending ? (
        <Spinner label="Loading your keys" />
      ) : list.isError ? (
        <ErrorNote error={list.error} />
      ) : rows.length === 0 ? (
        <Empty>No keys yet. Create one above to call the API from a program.</Empty>
      ) : (
        <KeyTable
          rows={rows}
          caption="Your API keys"
          action={(k) => (
            <span className="row">
              <RollKey k={k} />
              {!k.revokedAt && (
                <ConfirmButton
                  label="Revoke"
                  question={`Revoke “${k.name}”? Programs using it stop working at once.`}
                  confirmLabel="Yes, revoke"
                  busy={revoke.isPending}
                  onConfirm={() => revoke.mutate({ id: k.id })}
                />
              )}
            </span>
          )}
        />
      )}
      <LoadMore query={list} what="keys" />
    </section>
  );
}
