import { createChangeCounter, type ChangeCounter } from "../../db/changes.ts";
import type { Db } from "../../db/client.ts";

/**
 * A change counter of the database (the `generations` table, moved by triggers) read cheaply: the change counter
 * (db/changes.ts: a look at the wal-index header) says whether any connection committed since the last look, and
 * only then is the counter read. So a cache built on it empties on the changes that matter to it, in any process,
 * and not on quota spends or usage counts.
 */
export function createGeneration(db: Db, name: "keys" | "articles", changes: ChangeCounter = createChangeCounter(db.$client)) {
  const counter = db.$client.prepare<{ n: number }, [string]>("SELECT n FROM generations WHERE name = ?");
  let seenVersion = changes();
  let seen = counter.get(name)?.n ?? 0;
  return {
    /** Whether the counter moved since the last call. */
    moved(): boolean {
      const v = changes();
      if (v === seenVersion) return false;
      seenVersion = v;
      const n = counter.get(name)?.n ?? 0;
      if (n === seen) return false;
      seen = n;
      return true;
    },
  };
}

/**
 * Lookups kept in memory while a generation stands still: verified keys and session users ("keys"), feed pages
 * ("articles"). Emptied whenever the generation moves (a commit by any connection: the writer thread, a worker,
 * the CLI) and by callers on changes they make, so a revoked key fails, and a new article shows, on the very next
 * request everywhere.
 */
export function createVersionedCache<T>(generation: { moved(): boolean }, max = 10_000) {
  const entries = new Map<string, T>();
  return {
    get(id: string, load: () => T | undefined): T | undefined {
      if (generation.moved()) entries.clear();
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
