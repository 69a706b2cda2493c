import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { trpc, type RouterOutputs } from "../trpc.ts";

export type OwnKey = RouterOutputs["keys"]["list"]["items"][number];
export type AnyKey = RouterOutputs["admin"]["apiKeys"]["list"]["items"][number];

const PAGE = 100;
const next = { getNextPageParam: (p: { nextCursor: string | null }) => p.nextCursor };

/**
 * One key's record, found in the key list (revoked and retired keys included), page by page until it turns up:
 * the API has no get-one-key read. For an owner the first page of 100 holds every held key.
 */
export function useKey(id: string, admin: boolean) {
  const input = { limit: PAGE, includeRevoked: true };
  const own = useInfiniteQuery({ ...trpc.keys.list.infiniteQueryOptions(input, next), enabled: !admin });
  const all = useInfiniteQuery({ ...trpc.admin.apiKeys.list.infiniteQueryOptions(input, next), enabled: admin });
  const q = admin ? all : own;
  const rows: (OwnKey | AnyKey)[] = q.data?.pages.flatMap((p) => p.items) ?? [];
  const key = rows.find((r) => r.id === id);
  const more = !key && q.hasNextPage && !q.isFetchNextPageError;
  const { fetchNextPage, isFetchingNextPage } = q;
  useEffect(() => {
    if (more && !isFetchingNextPage) void fetchNextPage();
  }, [more, isFetchingNextPage, fetchNextPage]);
  return { key, rows, pending: q.isPending || more, error: q.error };
}
