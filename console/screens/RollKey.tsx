import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Dialog } from "../Dialog.tsx";
import { trpc } from "../trpc.ts";
import { ErrorNote, Field, when } from "../ui.tsx";
import { NewKeyPanel } from "./CreateKey.tsx";
import { keyLabel, rollable, type KeyRow } from "./KeyTable.tsx";
import { refreshKeys as refresh } from "./useKey.ts";

const HOUR = 3600;
const DAY = 24 * HOUR;
const MAX_DAYS = 30;
const PRESETS = [
  { value: "0", label: "None: the old key stops at once" },
  { value: String(HOUR), label: "1 hour" },
  { value: String(DAY), label: "1 day" },
  { value: String(7 * DAY), label: "7 days" },
  { value: String(MAX_DAYS * DAY), label: "30 days" },
  { value: "custom", label: "Custom" },
];

type Rolled = { name: string; key: string; previousExpiresAt: Date | null };

/**
 * "Roll": a new secret with the same settings, shown once; the old one keeps working for the grace period.
 * The button shows only while the key can be rolled, but an open dialog stays (the roll itself makes the key
 * unrollable, and its answer holds the new key, which must stay on screen).
 */
export function RollKey({ k, admin = false }: { k: KeyRow; admin?: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      {rollable(k) && (
        <button type="button" onClick={() => setOpen(true)} aria-label={`Roll ${k.name} (${keyLabel(k)})`}>
          Roll
        </button>
      )}
      {open && <RollDialog k={k} admin={admin} onClose={() => setOpen(false)} />}
    </>
  );
}

function RollDialog({ k, admin, onClose }: { k: KeyRow; admin: boolean; onClose: () => void }) {
  const [preset, setPreset] = useState(String(DAY));
  const [rolled, setRolled] = useState<Rolled | null>(null);
  const options = {
    // The lists refresh when the dialog closes: a key rolled with no grace leaves the list, and its row holds this dialog.
    onSuccess: (r: { name: string; key: string; previous: { expiresAt: Date | null } }) =>
      setRolled({ name: r.name, key: r.key, previousExpiresAt: r.previous.expiresAt }),
    // A 409 (already rolled elsewhere) means the list is stale too.
    onError: () => void refresh(),
  };
  const own = useMutation(trpc.keys.roll.mutationOptions(options));
  const any = useMutation(trpc.admin.apiKeys.roll.mutationOptions(options));
  const roll = admin ? any : own;
  const close = () => {
    if (rolled) void refresh();
    onClose();
  };

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const choice = String(f.get("grace") ?? "0");
    const seconds = choice === "custom" ? Math.round(Number(f.get("hours") ?? 0) * HOUR) : Number(choice);
    roll.mutate({ id: k.id, gracePeriodSeconds: seconds });
  };

  if (rolled) {
    return (
      <Dialog title={`Rolled “${k.name}”`} onClose={close}>
        <NewKeyPanel created={rolled} onDone={close} />
        <p className="hint">
          {rolled.previousExpiresAt && rolled.previousExpiresAt.getTime() > Date.now()
            ? `The old key ${keyLabel(k)} keeps working until ${when(rolled.previousExpiresAt)}; then it is refused as rotated.`
            : `The old key ${keyLabel(k)} no longer works.`}
        </p>
      </Dialog>
    );
  }
  return (
    <Dialog title={`Roll “${k.name}”`} onClose={onClose}>
      <form onSubmit={onSubmit} aria-busy={roll.isPending}>
        <p>
          A new key replaces <code>{keyLabel(k)}</code> with the same name, scopes, limits, quota, allowlist and metadata.
          Programs can move to it while the old key still works.
        </p>
        <fieldset>
          <legend>Grace period for the old key</legend>
          {PRESETS.map((p) => (
            <label className="check" key={p.value}>
              <input type="radio" name="grace" value={p.value} checked={preset === p.value} onChange={() => setPreset(p.value)} />{" "}
              {p.label}
            </label>
          ))}
          {preset === "custom" && (
            <Field
              label="Hours"
              name="hours"
              type="number"
              min={0}
              max={MAX_DAYS * 24}
              step="any"
              inputMode="decimal"
              required
              defaultValue="12"
              hint={`From 0 to ${MAX_DAYS * 24} hours (30 days).`}
            />
          )}
        </fieldset>
        <ErrorNote error={roll.error} />
        <p className="row">
          <button type="submit" className="primary" disabled={roll.isPending}>
            {roll.isPending ? "Rolling…" : "Roll key"}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </p>
      </form>
    </Dialog>
  );
}
