import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, type FormEvent } from "react";
import { trpc } from "../trpc.ts";
import { CopyButton, ErrorNote, Field } from "../ui.tsx";

export type CreatedKey = { name: string; key: string };

/** Name, optional expiry and scopes; the server decides which scopes this account may grant. */
export function CreateKey({ onCreated }: { onCreated: (k: CreatedKey) => void }) {
  const create = useMutation(trpc.keys.create.mutationOptions({ onSuccess: (k) => onCreated({ name: k.name, key: k.key }) }));
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const expires = String(f.get("expires") ?? "");
    const scopes = f.getAll("scope").map(String) as ("articles:read" | "articles:write")[];
    create.mutate({
      name: String(f.get("name") ?? ""),
      // The end of the chosen day, in the person's own time zone.
      expiresAt: expires ? new Date(`${expires}T23:59:59`) : null,
      scopes: scopes.length ? scopes : null,
    });
  };
  return (
    <form className="card" onSubmit={onSubmit} aria-labelledby="create-title" aria-busy={create.isPending}>
      <h2 id="create-title">Create a key</h2>
      <div className="row">
        <Field label="Name" name="name" required maxLength={100} placeholder="e.g. My integration" />
        <Field label="Expires (optional)" name="expires" type="date" hint="Leave empty for a key that does not expire." />
      </div>
      <fieldset>
        <legend>Scopes</legend>
        <label className="check">
          <input type="checkbox" name="scope" value="articles:read" defaultChecked /> articles:read — read the feed
        </label>
        <label className="check">
          <input type="checkbox" name="scope" value="articles:write" /> articles:write — publish and delete (admins only)
        </label>
      </fieldset>
      <ErrorNote error={create.error} />
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create key"}
      </button>
    </form>
  );
}

/** The only time the key exists outside its hash: shown once, copyable, with a plain warning. */
export function NewKeyPanel({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="card created" aria-labelledby="new-key-title">
      <h2 id="new-key-title" ref={heading} tabIndex={-1}>
        Your new key “{created.name}”
      </h2>
      <p className="warn">
        <strong>Copy it now: you won't see it again.</strong> Argus keeps only a hash of it.
      </p>
      <p>
        <label htmlFor="new-key">API key</label>
        <input id="new-key" className="secret" readOnly value={created.key} onFocus={(e) => e.currentTarget.select()} />
      </p>
      <p className="row">
        <CopyButton text={created.key} label="Copy key" />
      </p>
      <button type="button" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}
