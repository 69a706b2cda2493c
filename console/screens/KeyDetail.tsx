import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { go } from "../route.ts";
import { trpc } from "../trpc.ts";
import { ConfirmButton, ErrorNote, Field, Spinner, when } from "../ui.tsx";
import { KeySettings } from "./KeySettings.tsx";
import { KeyUsage } from "./KeyUsage.tsx";
import { keyLabel, keyStatus } from "./KeyTable.tsx";
import { RollKey } from "./RollKey.tsx";
import { refreshKeys as refresh, useKey, type AnyKey, type OwnKey } from "./useKey.ts";

/** The other key of a roll, named by its visible part once its record is read. */
function KeyLink({ id, admin, base }: { id: string; admin: boolean; base: string }) {
  const { key } = useKey(id, admin);
  return <a href={`#/${base}/${encodeURIComponent(id)}`}>{key ? keyLabel(key) : id}</a>;
}

/** Where the key's quota stands this period, as the API counts it. */
function QuotaFact({ quota }: { quota: NonNullable<OwnKey["quota"]> }) {
  const n = (v: number) => v.toLocaleString();
  return (
    <>
      {n(quota.limit)} requests a {quota.period} (UTC): {n(quota.used)} used, {n(quota.remaining)} left; resets{" "}
      {when(quota.resetAt)}.{" "}
      <meter min={0} max={quota.limit} value={quota.used} aria-label="Quota used this period" />{" "}
      <span className="hint">Every response of the key also says what is left, in <code>X-Quota-Remaining</code>.</span>
    </>
  );
}

/** One key: everything its record says, its usage, and what the viewer may do with it. */
export function KeyDetail({ id, admin }: { id: string; admin: boolean }) {
  const base = admin ? "admin/keys" : "keys";
  const { key, pending, error } = useKey(id, admin);
  const back = (
    <p>
      <a href={`#/${base}`}>← {admin ? "All keys" : "Your keys"}</a>
    </p>
  );
  if (pending) return <>{back}<Spinner label="Loading the key" /></>;
  if (error || !key) {
    return (
      <section aria-labelledby="key-title">
        {back}
        <h1 id="key-title">Key not found</h1>
        {error ? <ErrorNote error={error} /> : <p>There is no such key{admin ? "" : " among yours"}. It may have been deleted.</p>}
      </section>
    );
  }
  const name = (otherId: string) => <KeyLink id={otherId} admin={admin} base={base} />;
  const status = keyStatus(key);
  return (
    <section aria-labelledby="key-title">
      {back}
      <h1 id="key-title">
        {key.name} <code className="title-code">{keyLabel(key)}</code>
      </h1>
      <Actions k={key} admin={admin} />
      <dl className="card facts" aria-label="Key details">
        {"userEmail" in key && (<><dt>Owner</dt><dd>{key.userEmail}</dd></>)}
        <dt>Key</dt>
        <dd><code>{keyLabel(key)}</code> (the rest is shown only once, when it is created)</dd>
        <dt>Status</dt>
        <dd>
          <span className={`status ${status.tone}`}>{status.label}</span>
          {key.rotatedTo && <> — replaced by {name(key.rotatedTo)}</>}
          {key.rotatedFrom && <> — replaces {name(key.rotatedFrom)}</>}
        </dd>
        <dt>Scopes</dt>
        <dd>{key.scopes.join(", ")}</dd>
        <dt>Rate limit</dt>
        <dd>{key.rateLimit ? `${key.rateLimit} requests a minute` : "the server default"}</dd>
        <dt>Created</dt>
        <dd>{when(key.createdAt)}</dd>
        <dt>Last used</dt>
        <dd>{when(key.lastUsedAt)}</dd>
        <dt>Expires</dt>
        <dd>{when(key.expiresAt, "never")}</dd>
        {key.revokedAt && (
          <>
            <dt>Revoked</dt>
            <dd>{when(key.revokedAt)}{key.revokedReason ? ` — reason: ${key.revokedReason}` : " (no reason given)"}</dd>
          </>
        )}
        <dt>Quota</dt>
        <dd>
          {key.quota ? <QuotaFact quota={key.quota} /> : "none"}
        </dd>
        <dt>IP allowlist</dt>
        <dd>
          {key.allowedIps ? (
            <ul className="cidrs">{key.allowedIps.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
          ) : (
            "any address"
          )}
        </dd>
        <dt>Metadata</dt>
        <dd>{key.meta ? <pre className="command json">{JSON.stringify(key.meta, null, 2)}</pre> : "none"}</dd>
      </dl>
      <KeyUsage id={key.id} admin={admin} />
      {admin ? (
        <KeySettings k={key as AnyKey} onSaved={refresh} />
      ) : (
        <p className="hint">Only an administrator can change a key's limit, quota, allowlist or metadata.</p>
      )}
    </section>
  );
}

/** Roll and revoke for the owner; roll, deactivate and delete for an admin. */
function Actions({ k, admin }: { k: OwnKey | AnyKey; admin: boolean }) {
  const [reason, setReason] = useState("");
  const revoke = useMutation(trpc.keys.revoke.mutationOptions({ onSuccess: refresh }));
  const update = useMutation(trpc.admin.apiKeys.update.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(
    trpc.admin.apiKeys.delete.mutationOptions({ onSuccess: () => (void refresh(), go("admin/keys")) }),
  );
  return (
    <div className="card">
      <h2 className="visually-hidden">Actions</h2>
      <div className="row">
        <RollKey k={k} admin={admin} />
        {admin && !k.revokedAt && (
          <button type="button" disabled={update.isPending} onClick={() => update.mutate({ id: k.id, data: { isActive: !k.isActive } })}>
            {k.isActive ? "Deactivate" : "Reactivate"}
          </button>
        )}
        {admin && (
          <ConfirmButton label="Delete" question={`Delete “${k.name}” for good?`} confirmLabel="Yes, delete" busy={remove.isPending} onConfirm={() => remove.mutate({ id: k.id })} />
        )}
        {!admin && !k.revokedAt && (
          <div className="row revoke">
            <Field label="Reason (optional)" value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} hint="Kept with the revoked key." />
            <ConfirmButton
              label="Revoke"
              question={`Revoke “${k.name}”? Programs using it stop working at once.`}
              confirmLabel="Yes, revoke"
              busy={revoke.isPending}
              onConfirm={() => revoke.mutate({ id: k.id, reason: reason.trim() || null })}
            />
          </div>
        )}
      </div>
      <ErrorNote error={revoke.error ?? update.error ?? remove.error} />
    </div>
  );
}
