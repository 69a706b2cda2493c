import type { Db } from "../../db/client.ts";

/**
 * Verified-key lookups kept in memory. Cleared on every change this process makes, and whenever
 * SQLite's data_version says another connection (a worker, the CLI) committed, so a revoked key
 * fails on the very next request everywhere.
 */
export function createKeyCache<T>(db: Db, max = 10_000) {
  const entries = new Map<string, T>();
  const version = db.$client.prepare<{ data_version: number }, []>("PRAGMA data_version");
  let seen = version.get()!.data_version;

  return {
    get(hash: string, load: () => T | undefined): T | undefined {
      const current = version.get()!.data_version;
      if (current !== seen) {
        seen = current;
        entries.clear();
      }
      const hit = entries.get(hash);
      if (hit !== undefined) return hit;
      const value = load();
      if (value !== undefined) {
        if (entries.size >= max) entries.clear();
        entries.set(hash, value);
      }
      return value;
    },
    clear: () => entries.clear(),
  };
}
