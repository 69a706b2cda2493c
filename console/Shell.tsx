import { useMutation } from "@tanstack/react-query";
import { useEffect } from "react";
import { api } from "./api.ts";
import { Frame } from "./Frame.tsx";
import { useRoute } from "./route.ts";
import { Account } from "./screens/Account.tsx";
import { AdminAudit } from "./screens/AdminAudit.tsx";
import { AdminKeys } from "./screens/AdminKeys.tsx";
import { AdminUsers } from "./screens/AdminUsers.tsx";
import { ArticleView } from "./screens/ArticleView.tsx";
import { Articles } from "./screens/Articles.tsx";
import { KeyDetail } from "./screens/KeyDetail.tsx";
import { Keys } from "./screens/Keys.tsx";
import { queryClient } from "./trpc.ts";
import { ErrorNote } from "./ui.tsx";

export type Me = { id: string; email: string; name: string | null; role: "user" | "admin" };

const screens = (admin: boolean) => [
  { path: "keys", label: "API keys" },
  { path: "articles", label: "Articles" },
  { path: "account", label: "Account" },
  ...(admin ? [{ path: "admin/users", label: "Users" }, { path: "admin/keys", label: "All keys" }, { path: "admin/audit", label: "Audit log" }] : []),
];

/** Signed in: navigation, the screen the hash names, and sign-out. */
export function Shell({ user }: { user: Me }) {
  const route = useRoute();
  const admin = user.role === "admin";
  const current = route.length ? route.join("/") : "keys";
  const logout = useMutation({ mutationFn: api.logout, onSuccess: () => queryClient.resetQueries() });
  const items = screens(admin);
  const title = items.find((s) => current === s.path || current.startsWith(`${s.path}/`))?.label ?? "Not found";

  useEffect(() => {
    document.title = `${title} · Argus Console`;
  }, [title]);

  const nav = (
    <nav aria-label="Console" className="menu">
      <ul>
        {items.map((s) => (
          <li key={s.path}>
            <a href={`#/${s.path}`} aria-current={current === s.path || current.startsWith(`${s.path}/`) ? "page" : undefined}>
              {s.label}
            </a>
          </li>
        ))}
      </ul>
      <p className="who">
        <span title={user.email}>{user.email}</span>
        {admin && <span className="badge">admin</span>}
        <button type="button" onClick={() => logout.mutate()} disabled={logout.isPending}>
          Sign out
        </button>
      </p>
    </nav>
  );

  return (
    <Frame nav={nav}>
      <ErrorNote error={logout.error} />
      {route[0] === "articles" && route[1] ? (
        <ArticleView id={route[1]} admin={admin} />
      ) : route[0] === "keys" && route[1] ? (
        <KeyDetail key={route[1]} id={route[1]} admin={false} />
      ) : admin && route[0] === "admin" && route[1] === "keys" && route[2] ? (
        <KeyDetail key={route[2]} id={route[2]} admin />
      ) : current === "keys" ? (
        <Keys />
      ) : current === "articles" ? (
        <Articles />
      ) : current === "account" ? (
        <Account user={user} />
      ) : admin && current === "admin/users" ? (
        <AdminUsers me={user} />
      ) : admin && current === "admin/keys" ? (
        <AdminKeys />
      ) : admin && route[0] === "admin" && route[1] === "audit" ? (
        <AdminAudit key={current} account={route[2] === "user" ? route[3] : undefined} />
      ) : (
        <section>
          <h1>Not found</h1>
          <p>
            There is no such screen here. Go to <a href="#/keys">your API keys</a>.
          </p>
        </section>
      )}
    </Frame>
  );
}
