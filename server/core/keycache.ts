import type { ChangeCounter } from "../../db/changes.ts";

/**
 * Lookups kept in memory while the database does not change. Cleared on every change this process makes, and
 * whenever the change counter says any connection (the writer thread, a worker, the CLI) committed, so a revoked
 * key fails on the very next request everywhere.
 */
export function createKeyCache<T>(changes: ChangeCounter, max = 10_000) {
  const entries = new Map<string, T>();
  let seen = changes();

  return {
    get(hash: string, load: () => T | undefined): T | undefined {
      const current = changes();
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
