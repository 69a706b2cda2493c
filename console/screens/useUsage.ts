import type { Range, Usage } from "./usage-data.ts";

export type UsageState = { unavailable: boolean; isPending: boolean; isFetching: boolean; error: unknown; data: Usage | undefined };

/** One key's usage over a range ending at `at`. The usage API (keys.usage / admin.keyUsage) is not on this server yet. */
export function useUsage(_id: string, _admin: boolean, _range: Range, _at: number): UsageState {
  return { unavailable: true, isPending: false, isFetching: false, error: null, data: undefined };
}
