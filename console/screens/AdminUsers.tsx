import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { Me } from "../Shell.tsx";
import { queryClient, trpc } from "../trpc.ts";
import { Empty, ErrorNote, Spinner, when } from "../ui.tsx";
import { LoadMore } from "./LoadMore.tsx";

type Filter = { role: "" | "user" | "admin"; active: "" | "true" | "false" };

/** Every account: promote, demote, deactivate. The server enforces the last-admin rule; this screen explains it. */
export function AdminUsers({ me }: { me: Me }) {
  const [filter, setFilter] = useState<Filter>({ role: "", active: "" });
  const input = { limit: 25, role: filter.role || null, isActive: filter.active === "" ? null : filter.active === "true" };
  const list = useInfiniteQuery(trpc.admin.users.list.infiniteQueryOptions(input, { getNextPageParam: (p) => p.nextCursor }));
  const update = useMutation(
    trpc.admin.users.update.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.admin.users.list.pathKey() }),
    }),
  );
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <p className="lead">
        Deactivating an account ends its sessions and stops its keys. Argus always keeps one active admin: the last one cannot
        be demoted or deactivated, so make someone else an admin first.
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter users">
        <label>
          Role{" "}
          <select value={filter.role} onChange={(e) => setFilter({ ...filter, role: e.target.value as Filter["role"] })}>
            <option value="">Any</option>
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label>
          Status{" "}
          <select value={filter.active} onChange={(e) => setFilter({ ...filter, active: e.target.value as Filter["active"] })}>
            <option value="">Any</option>
            <option value="true">Active</option>
            <option value="false">Deactivated</option>
          </select>
        </label>
      </form>
      <ErrorNote error={update.error} />
      {list.isPending ? (
        <Spinner label="Loading users" />
      ) : list.isError ? (
        <ErrorNote error={list.error} />
      ) : rows.length === 0 ? (
        <Empty>No user matches these filters.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="stack">
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((u) => (
                <tr key={u.id}>
                  <th scope="row" data-label="Email">
                    {u.email}
                    {u.id === me.id && <span className="badge">you</span>}
                  </th>
                  <td data-label="Name">{u.name ?? "—"}</td>
                  <td data-label="Role">
                    <select
                      aria-label={`Role of ${u.email}`}
                      value={u.role}
                      disabled={update.isPending}
                      onChange={(e) => update.mutate({ id: u.id, data: { role: e.target.value as "user" | "admin" } })}
                    >
                      <option value="user">user</option>
                      <option value="admin">admin</option>
                    </select>
                  </td>
                  <td data-label="Created">{when(u.createdAt)}</td>
                  <td data-label="Status">
                    <span className={`status ${u.isActive ? "good" : "bad"}`}>{u.isActive ? "Active" : "Deactivated"}</span>
                  </td>
                  <td data-label="Actions" className="actions">
                    <button
                      type="button"
                      className={u.isActive ? "danger" : undefined}
                      disabled={update.isPending}
                      onClick={() => update.mutate({ id: u.id, data: { isActive: !u.isActive } })}
                    >
                      {u.isActive ? "Deactivate" : "Reactivate"}
                      <span className="visually-hidden"> {u.email}</span>
                    </button>{" "}
                    <a href={`#/admin/audit/user/${encodeURIComponent(u.id)}`}>
                      Activity<span className="visually-hidden"> of {u.email}</span>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore query={list} what="users" />
    </section>
  );
}
