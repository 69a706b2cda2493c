import type { Range, Usage } from "./usage-data.ts";

export type UsageState = { unavailable: boolean; isPending: boolean; error: unknown; data: Usage | undefined };

/** One key's usage over a range. The usage API (keys.usage / admin.keyUsage) is not on this server yet. */
export function useUsage(_id: string, _admin: boolean, _range: Range): UsageState {
  return { unavailable: true, isPending: false, error: null, data: undefined };
}
