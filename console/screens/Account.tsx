import { useMutation } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { api } from "../api.ts";
import type { Me } from "../Shell.tsx";
import { queryClient, trpc } from "../trpc.ts";
import { ConfirmButton, ErrorNote, Field } from "../ui.tsx";
import { SecurityEvents } from "./SecurityEvents.tsx";

/** Profile, password change, and ending every session at once. */
export function Account({ user }: { user: Me }) {
  const form = useRef<HTMLFormElement>(null);
  const password = useMutation({
    mutationFn: api.changePassword,
    // The server swapped this browser's cookie for a fresh session; other sessions have ended.
    onSuccess: () => {
      form.current?.reset();
      void queryClient.invalidateQueries({ queryKey: trpc.auth.events.pathKey() });
    },
  });
  const [alsoKeys, setAlsoKeys] = useState(false);
  const everywhere = useMutation({ mutationFn: () => api.logoutAll(alsoKeys), onSuccess: () => queryClient.resetQueries() });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    password.mutate({
      currentPassword: String(f.get("current") ?? ""),
      newPassword: String(f.get("next") ?? ""),
      revokeKeys: f.get("revokeKeys") === "on",
    });
  };

  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      <dl className="card facts">
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Name</dt>
        <dd>{user.name ?? "—"}</dd>
        <dt>Role</dt>
        <dd>{user.role}</dd>
      </dl>

      <form ref={form} className="card" onSubmit={onSubmit} aria-labelledby="pw-title" aria-busy={password.isPending}>
        <h2 id="pw-title">Change password</h2>
        <Field label="Current password" name="current" type="password" autoComplete="current-password" required />
        <Field label="New password" name="next" type="password" autoComplete="new-password" minLength={8} required hint="At least 8 characters. Every other session ends; this one stays signed in." />
        <label className="check">
          <input type="checkbox" name="revokeKeys" /> Also revoke all my API keys (for a password that may have leaked)
        </label>
        <ErrorNote error={password.error} />
        {password.isSuccess && (
          <p role="status" className="ok">
            Password changed. Other sessions have been signed out.
          </p>
        )}
        <button type="submit" className="primary" disabled={password.isPending}>
          {password.isPending ? "Changing…" : "Change password"}
        </button>
      </form>

      <div className="card">
        <h2>Sessions</h2>
        <p>Signs out every browser and every bearer token of this account, this one included.</p>
        <label className="check">
          <input type="checkbox" checked={alsoKeys} onChange={(e) => setAlsoKeys(e.target.checked)} /> Also revoke all my API keys
        </label>
        <ErrorNote error={everywhere.error} />
        <ConfirmButton
          label="Log out everywhere"
          question="End every session, including this one?"
          confirmLabel="Yes, log out everywhere"
          busy={everywhere.isPending}
          onConfirm={() => everywhere.mutate()}
        />
      </div>

      <SecurityEvents userId={user.id} />
    </section>
  );
}
