import type { Database } from "bun:sqlite";

/** A number that moves whenever any connection, in this process or another, commits to the database. */
export type ChangeCounter = () => number;

// The wal-index header (https://www.sqlite.org/walformat.html, "The WAL-Index Header"): 32-bit words in native
// byte order at the start of the -shm file. The words a commit always rewrites: iChange (a counter of commits),
// mxFrame (the last valid frame), the salts (new on every WAL restart) and the header's checksum (over all of it).
const WAL_INDEX_VERSION = 3007000;
const WORDS = [2, 4, 8, 9, 10, 11];

/**
 * The database's change counter, for caches on the serving thread that must see a write made anywhere (the writer
 * thread, the CLI, another worker) on the very next request.
 *
 * `PRAGMA data_version` says it too, but each call is a read transaction: two fcntl() calls on the -shm file, about
 * 5 µs on this machine, on every request. In WAL mode the same fact sits in the wal-index header, which every
 * connection of every process maps from the -shm file, and whose layout is fixed because SQLite versions of
 * different ages may share one database: each commit rewrites it (iChange++, mxFrame, checksums) before the
 * commit returns. Reading six words of a shared mapping costs nanoseconds. A header read while a commit rewrites it
 * can only look different (one extra refresh), never like the old one once that commit has returned. The counter
 * is read only while `db` is open, and an open connection keeps the -shm from being reset (SQLite truncates it only
 * when no process has it open), so the mapping stays valid for as long as it is used. Without a
 * mappable -shm (not WAL), it is `PRAGMA data_version`, which misses this connection's own commits: callers that
 * write on this connection clear their caches themselves, as they did before.
 */
export function createChangeCounter(db: Database): ChangeCounter {
  const header = mapWalIndexHeader(db);
  if (!header) {
    const version = db.prepare<{ data_version: number }, []>("PRAGMA data_version");
    return () => version.get()!.data_version;
  }
  const seen = WORDS.map((w) => header[w]!);
  let epoch = 0;
  return () => {
    for (let i = 0; i < WORDS.length; i++) {
      const now = header[WORDS[i]!]!;
      if (now !== seen[i]) {
        for (let j = 0; j < WORDS.length; j++) seen[j] = header[WORDS[j]!]!;
        return ++epoch;
      }
    }
    return epoch;
  };
}

function mapWalIndexHeader(db: Database): Uint32Array | null {
  const mode = db.prepare<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode;
  if (mode !== "wal" || !db.filename || db.filename === ":memory:") return null;
  try {
    db.prepare("SELECT 1 FROM sqlite_master LIMIT 1").get(); // a read makes sure the -shm exists and is set up
    const map = Bun.mmap(`${db.filename}-shm`, { shared: true });
    if (map.byteLength < 48) return null;
    const header = new Uint32Array(map.buffer, map.byteOffset, 12);
    return header[0] === WAL_INDEX_VERSION ? header : null;
  } catch {
    return null;
  }
}
