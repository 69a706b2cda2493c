import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api } from "../api.ts";
import { Frame } from "../Frame.tsx";
import { queryClient } from "../trpc.ts";
import { ErrorNote, Field } from "../ui.tsx";

/** Sign in, or create an account when the server allows sign-up. The session lands in an HttpOnly cookie. */
export function SignIn({ registrationOpen }: { registrationOpen: boolean }) {
  const [mode, setMode] = useState<"signin" | "register">("signin");
  const submit = useMutation({
    mutationFn: (f: FormData) => {
      const email = String(f.get("email") ?? "");
      const password = String(f.get("password") ?? "");
      const name = String(f.get("name") ?? "").trim();
      return mode === "signin" ? api.login({ email, password }) : api.register({ email, password, ...(name ? { name } : {}) });
    },
    // Everything cached belonged to nobody; start over as the signed-in user.
    onSuccess: () => queryClient.resetQueries(),
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    submit.mutate(new FormData(e.currentTarget));
  };
  const registering = mode === "register";

  return (
    <Frame>
      <section className="card narrow">
        <h1>{registering ? "Create an account" : "Sign in"}</h1>
        <form onSubmit={onSubmit} aria-busy={submit.isPending}>
          {registering && <Field label="Name (optional)" name="name" autoComplete="name" maxLength={100} />}
          <Field label="Email" name="email" type="email" autoComplete="email" required />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete={registering ? "new-password" : "current-password"}
            minLength={registering ? 8 : undefined}
            hint={registering ? "At least 8 characters." : undefined}
            required
          />
          <ErrorNote error={submit.error} />
          <button type="submit" className="primary" disabled={submit.isPending}>
            {submit.isPending ? "Please wait…" : registering ? "Create account" : "Sign in"}
          </button>
        </form>
        {registrationOpen ? (
          <p>
            {registering ? "Already have an account? " : "New here? "}
            <button type="button" className="link" onClick={() => (submit.reset(), setMode(registering ? "signin" : "register"))}>
              {registering ? "Sign in" : "Create an account"}
            </button>
          </p>
        ) : (
          <p className="hint">Sign-up is closed on this server: ask an administrator for an account.</p>
        )}
      </section>
    </Frame>
  );
}
