import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { LiveFilters, StatusChoice } from "../Filters.tsx";
import { byCursor, PagedList } from "../PagedList.tsx";
import { queryClient, trpc } from "../trpc.ts";
import { ConfirmButton, ErrorNote } from "../ui.tsx";
import { KeyTable, type KeyRow } from "./KeyTable.tsx";
import { RollKey } from "./RollKey.tsx";

/** Every user's keys: filter, deactivate or reactivate, set a key's own limit, delete. */
export function AdminKeys() {
  const [isActive, setIsActive] = useState<boolean | null>(null);
  const list = useInfiniteQuery(trpc.admin.apiKeys.list.infiniteQueryOptions({ limit: 25, isActive }, byCursor));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.admin.apiKeys.list.pathKey() });
  const update = useMutation(trpc.admin.apiKeys.update.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.admin.apiKeys.delete.mutationOptions({ onSuccess: refresh }));

  return (
    <section aria-labelledby="allkeys-title">
      <h1 id="allkeys-title">All keys</h1>
      <p className="lead">A deactivated key is refused at once and its owner sees it as deactivated; deleting removes it for good.</p>
      <LiveFilters label="Filter keys">
        <StatusChoice value={isActive} onChange={setIsActive} />
      </LiveFilters>
      <ErrorNote error={update.error ?? remove.error} />
      <PagedList query={list} what="keys" loading="Loading keys" empty="No key matches this filter.">
        {(rows) => (
          <KeyTable
            rows={rows}
            owner
            base="admin/keys"
            caption="Every user's API keys"
            action={(k) => (
              <span className="row">
                <button type="button" disabled={update.isPending} onClick={() => update.mutate({ id: k.id, data: { isActive: !k.isActive } })}>
                  {k.isActive ? "Deactivate" : "Reactivate"}
                  <span className="visually-hidden"> {k.name}</span>
                </button>
                <RollKey k={k} admin />
                <Relimit k={k} busy={update.isPending} onSave={(rateLimit) => update.mutate({ id: k.id, data: { rateLimit } })} />
                <ConfirmButton
                  label="Delete"
                  question={`Delete “${k.name}” for good?`}
                  confirmLabel="Yes, delete"
                  busy={remove.isPending}
                  onConfirm={() => remove.mutate({ id: k.id })}
                />
              </span>
            )}
          />
        )}
      </PagedList>
    </section>
  );
}

/** Requests per minute for this key; empty goes back to the server's default. */
function Relimit({ k, busy, onSave }: { k: KeyRow; busy: boolean; onSave: (limit: number | null) => void }) {
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const v = String(new FormData(e.currentTarget).get("limit") ?? "").trim();
    onSave(v === "" ? null : Number(v));
  };
  return (
    <form className="relimit" onSubmit={onSubmit}>
      <label>
        <span className="visually-hidden">Limit per minute for {k.name}</span>
        <input name="limit" type="number" min={1} max={100000} inputMode="numeric" defaultValue={k.rateLimit ?? ""} placeholder="default" />
      </label>
      <button type="submit" disabled={busy}>
        Set limit<span className="visually-hidden"> for {k.name}</span>
      </button>
    </form>
  );
}
