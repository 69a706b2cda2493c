import type { Db } from "../../db/client.ts";

/**
 * A change counter of the database (the `generations` table, moved by triggers) read cheaply: PRAGMA data_version
 * says whether any connection committed since the last look, and only then is the counter read. So a cache built
 * on it empties on the changes that matter to it, in any process, and not on quota spends or usage counts.
 */
export function createGeneration(db: Db, name: "keys" | "articles") {
  const version = db.$client.prepare<{ data_version: number }, []>("PRAGMA data_version");
  const counter = db.$client.prepare<{ n: number }, [string]>("SELECT n FROM generations WHERE name = ?");
  let seenVersion = version.get()!.data_version;
  let seen = counter.get(name)?.n ?? 0;
  return {
    /** Whether the counter moved since the last call (a commit by this connection is seen by its caller). */
    moved(): boolean {
      const v = version.get()!.data_version;
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
 * Verified-key lookups kept in memory. Cleared on every change this process makes, and whenever the `keys`
 * generation says another connection (the writer thread, a worker, the CLI) changed a key or a user, so a revoked
 * key fails on the very next request everywhere.
 */
export function createKeyCache<T>(db: Db, max = 10_000) {
  const entries = new Map<string, T>();
  const generation = createGeneration(db, "keys");

  return {
    get(hash: string, load: () => T | undefined): T | undefined {
      if (generation.moved()) entries.clear();
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
