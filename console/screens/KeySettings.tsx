import { useMutation } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { trpc } from "../trpc.ts";
import { ErrorNote, Field } from "../ui.tsx";
import type { AnyKey } from "./useKey.ts";

type Patch = {
  rateLimit?: number | null;
  quota?: { limit: number; period: "day" | "month" } | null;
  allowedIps?: string[] | null;
  meta?: Record<string, unknown> | null;
};

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** What the form says, as an update of only the fields that changed; a sentence when the metadata is not JSON. */
function patchFrom(f: FormData, k: AnyKey): Patch | string {
  const text = (name: string) => String(f.get(name) ?? "").trim();
  const patch: Patch = {};
  const rateLimit = text("rateLimit") === "" ? null : Number(text("rateLimit"));
  if (!same(rateLimit, k.rateLimit)) patch.rateLimit = rateLimit;
  const quota = text("quotaLimit") === "" ? null : { limit: Number(text("quotaLimit")), period: text("quotaPeriod") as "day" | "month" };
  // The record's quota also says where the period stands; only the setting is compared.
  const current = k.quota && { limit: k.quota.limit, period: k.quota.period };
  if (!same(quota, current)) patch.quota = quota;
  const ips = text("allowedIps").split(/[\s,]+/).filter(Boolean);
  const allowedIps = ips.length ? ips : null;
  if (!same(allowedIps, k.allowedIps)) patch.allowedIps = allowedIps;
  let meta: Record<string, unknown> | null = null;
  if (text("meta") !== "") {
    try {
      meta = JSON.parse(text("meta"));
    } catch {
      return "Metadata must be a JSON object, e.g. {\"team\": \"billing\"}.";
    }
    if (meta === null || typeof meta !== "object" || Array.isArray(meta)) return "Metadata must be a JSON object, e.g. {\"team\": \"billing\"}.";
  }
  if (!same(meta, k.meta)) patch.meta = meta;
  return patch;
}

/** An admin's edit of a key's limit, quota, allowlist and metadata (the owner cannot change these). */
export function KeySettings({ k, onSaved }: { k: AnyKey; onSaved: () => unknown }) {
  const ids = { ips: useId(), meta: useId(), period: useId() };
  const [note, setNote] = useState<{ text: string; error?: boolean } | null>(null);
  const update = useMutation(trpc.admin.apiKeys.update.mutationOptions({ onSuccess: () => (setNote({ text: "Saved." }), onSaved()) }));
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    update.reset();
    const patch = patchFrom(new FormData(e.currentTarget), k);
    if (typeof patch === "string") return setNote({ text: patch, error: true });
    if (Object.keys(patch).length === 0) return setNote({ text: "Nothing changed." });
    setNote(null);
    update.mutate({ id: k.id, data: patch });
  };
  return (
    <form className="card" onSubmit={onSubmit} aria-labelledby="settings-title" aria-busy={update.isPending}>
      <h2 id="settings-title">Settings</h2>
      <p className="hint">Changes apply on the key's next request. Leave a field empty to clear it.</p>
      <div className="row">
        <Field label="Rate limit per minute" name="rateLimit" type="number" min={1} max={100000} inputMode="numeric" defaultValue={k.rateLimit ?? ""} hint="Empty: the server default." />
        <Field label="Quota (requests)" name="quotaLimit" type="number" min={1} max={1000000000} inputMode="numeric" defaultValue={k.quota?.limit ?? ""} hint="Empty: no quota." />
        <div className="field">
          <label htmlFor={ids.period}>Quota period</label>
          <select id={ids.period} name="quotaPeriod" defaultValue={k.quota?.period ?? "day"}>
            <option value="day">per day (UTC)</option>
            <option value="month">per month (UTC)</option>
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor={ids.ips}>IP allowlist</label>
        <textarea id={ids.ips} name="allowedIps" rows={3} defaultValue={k.allowedIps?.join("\n") ?? ""} aria-describedby={`${ids.ips}-hint`} />
        <small id={`${ids.ips}-hint`} className="hint">One IPv4 or IPv6 CIDR a line (at most 50), e.g. 203.0.113.0/24. Empty: any address.</small>
      </div>
      <div className="field">
        <label htmlFor={ids.meta}>Metadata (JSON object)</label>
        <textarea id={ids.meta} name="meta" rows={4} className="json" defaultValue={k.meta ? JSON.stringify(k.meta, null, 2) : ""} aria-describedby={`${ids.meta}-hint`} />
        <small id={`${ids.meta}-hint`} className="hint">At most 1 KB and 3 levels deep. Empty: none.</small>
      </div>
      <ErrorNote error={update.error} />
      {note?.error ? (
        <div className="error" role="alert">
          <p>{note.text}</p>
        </div>
      ) : (
        note && <p role="status" className={note.text === "Saved." ? "ok" : "hint"}>{note.text}</p>
      )}
      <button type="submit" className="primary" disabled={update.isPending}>
        {update.isPending ? "Saving…" : "Save settings"}
      </button>
    </form>
  );
}
