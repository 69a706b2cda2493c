import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { byCursor, PagedList } from "../PagedList.tsx";
import { queryClient, trpc } from "../trpc.ts";
import { ConfirmButton, ErrorNote } from "../ui.tsx";
import { CreateKey, type CreatedKey, NewKeyPanel } from "./CreateKey.tsx";
import { KeyTable } from "./KeyTable.tsx";
import { RollKey } from "./RollKey.tsx";

const PAGE = 25;

/** The caller's keys: create (shown once), list, roll with a grace period, revoke; each name opens its details. */
export function Keys() {
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [withRevoked, setWithRevoked] = useState(false);
  const input = withRevoked ? { limit: PAGE, includeRevoked: true } : { limit: PAGE };
  const list = useInfiniteQuery(trpc.keys.list.infiniteQueryOptions(input, byCursor));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.keys.list.pathKey() });
  const revoke = useMutation(trpc.keys.revoke.mutationOptions({ onSuccess: refresh }));

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
      <PagedList query={list} what="keys" loading="Loading your keys" empty="No keys yet. Create one above to call the API from a program.">
        {(rows) => (
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
      </PagedList>
    </section>
  );
}
