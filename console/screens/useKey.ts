import { useQuery } from "@tanstack/react-query";
import { statusOf } from "../errors.ts";
import { queryClient, trpc, type RouterOutputs } from "../trpc.ts";

export type OwnKey = RouterOutputs["keys"]["get"];
export type AnyKey = RouterOutputs["admin"]["apiKeys"]["get"];

/**
 * One key's record, revoked and retired keys included: the owner's read (keys.get) or an admin's
 * (admin.apiKeys.get). A 404 is no key, not an error: someone else's key looks exactly like a made-up id.
 */
export function useKey(id: string, admin: boolean) {
  const own = useQuery({ ...trpc.keys.get.queryOptions({ id }), enabled: !admin });
  const any = useQuery({ ...trpc.admin.apiKeys.get.queryOptions({ id }), enabled: admin });
  const q: { data?: OwnKey | AnyKey; isPending: boolean; error: unknown } = admin ? any : own;
  const missing = statusOf(q.error) === 404;
  return { key: q.data, pending: q.isPending && !q.error, error: missing ? null : q.error };
}

/** After a change to a key: its lists and its own reads, for owners and admins alike. */
export const refreshKeys = () =>
  Promise.all(
    [trpc.keys.list, trpc.keys.get, trpc.admin.apiKeys.list, trpc.admin.apiKeys.get].map((p) =>
      queryClient.invalidateQueries({ queryKey: p.pathKey() }),
    ),
  );
