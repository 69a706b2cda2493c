import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Choice, LiveFilters, StatusChoice } from "../Filters.tsx";
import { byCursor, PagedList } from "../PagedList.tsx";
import type { Me } from "../Shell.tsx";
import { queryClient, trpc } from "../trpc.ts";
import { ErrorNote, StackTable, when } from "../ui.tsx";

type Role = "user" | "admin";
const ROLES = [["user", "user"], ["admin", "admin"]] as const;
const COLUMNS = ["Email", "Name", "Role", "Created", "Status"];

/** Every account: promote, demote, deactivate. The server enforces the last-admin rule; this screen explains it. */
export function AdminUsers({ me }: { me: Me }) {
  const [role, setRole] = useState<Role | "">("");
  const [isActive, setIsActive] = useState<boolean | null>(null);
  const input = { limit: 25, role: role || null, isActive };
  const list = useInfiniteQuery(trpc.admin.users.list.infiniteQueryOptions(input, byCursor));
  const update = useMutation(
    trpc.admin.users.update.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.admin.users.list.pathKey() }),
    }),
  );

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <p className="lead">
        Deactivating an account ends its sessions and stops its keys. Argus always keeps one active admin: the last one cannot
        be demoted or deactivated, so make someone else an admin first.
      </p>
      <LiveFilters label="Filter users">
        <Choice label="Role" value={role} options={ROLES} onChange={setRole} />
        <StatusChoice value={isActive} onChange={setIsActive} />
      </LiveFilters>
      <ErrorNote error={update.error} />
      <PagedList query={list} what="users" loading="Loading users" empty="No user matches these filters.">
        {(rows) => (
          <StackTable caption="Users" columns={COLUMNS} actions>
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
                    onChange={(e) => update.mutate({ id: u.id, data: { role: e.target.value as Role } })}
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
          </StackTable>
        )}
      </PagedList>
    </section>
  );
}
