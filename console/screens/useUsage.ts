import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { trpc } from "../trpc.ts";
import type { Range, Usage } from "./usage-data.ts";

export type UsageState = { isPending: boolean; isFetching: boolean; error: unknown; data: Usage | undefined };

/**
 * One key's usage over a range ending now (keys.usage for the owner, admin.keyUsage for an admin). The range's
 * start is fixed per range choice (not per render), so the query key stays put; "Refresh" moves it to now.
 */
export function useUsage(id: string, admin: boolean, range: Range, at: number): UsageState {
  const input = useMemo(() => ({ id, granularity: range.granularity, since: new Date(at - range.ms), until: new Date(at) }), [id, range, at]);
  const own = useQuery({ ...trpc.keys.usage.queryOptions(input), enabled: !admin, placeholderData: (prev) => prev });
  const any = useQuery({ ...trpc.admin.keyUsage.queryOptions(input), enabled: admin, placeholderData: (prev) => prev });
  const q = admin ? any : own;
  return { isPending: q.isPending, isFetching: q.isFetching, error: q.error, data: q.data };
}
