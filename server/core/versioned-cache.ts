import type { ChangeCounter } from "../../db/changes.ts";

/**
 * Lookups kept in memory while the database does not change: verified keys, session users, feed pages. Emptied
 * whenever the change counter says any connection (the writer thread, a worker, the CLI) committed, and by callers
 * on changes they make, so a revoked key fails, and a new article shows, on the very next request everywhere.
 */
export function createVersionedCache<T>(changes: ChangeCounter, max = 10_000) {
  const entries = new Map<string, T>();
  let seen = changes();

  return {
    get(id: string, load: () => T | undefined): T | undefined {
      const current = changes();
      if (current !== seen) {
        seen = current;
        entries.clear();
      }
      const hit = entries.get(id);
      if (hit !== undefined) return hit;
      const value = load();
      if (value !== undefined) {
        if (entries.size >= max) entries.clear();
        entries.set(id, value);
      }
      return value;
    },
    clear: () => entries.clear(),
  };
}
