import { Database } from "bun:sqlite";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import { conflictWithServer, orphanedWal } from "./identity.ts";
import * as schema from "./schema.ts";

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };

/** Inside a `bun build --compile` binary every module's path is under `/$bunfs/`, which no file on disk can be. */
export const isCompiled = import.meta.path.startsWith("/$bunfs/");

// scripts/build.ts embeds db/migrations/*.sql and meta/_journal.json at their source paths, under the binary's
// virtual root, so drizzle's own migrator reads the very files (and hashes) it reads from the source tree.
export const migrationsFolder = isCompiled ? "/$bunfs/root/db/migrations" : join(import.meta.dir, "migrations");

export const databaseFile = (dataDir: string) => join(dataDir, "argus.db");

/** One more connection to an existing database (a writer or reader thread's), with the same settings. */
export function openConnection(file: string, opts: { create?: boolean } = {}): Db {
  const sqlite = new Database(file, { create: opts.create ?? false, strict: true });
  // First, before anything reads the file: another process opening it at the same moment may be recovering its
  // WAL, and without a busy timeout that is an immediate SQLITE_BUSY_RECOVERY. Waiting for another process's
  // write lock happens on the writer thread, never on the one serving requests.
  sqlite.exec("PRAGMA busy_timeout = 5000");
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = NORMAL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  return drizzle(sqlite, { schema }) as Db;
}

/** Why opening failed, in one line that names the path and the cause (never the SQL that failed). */
export class DatabaseOpenError extends Error {}

const cause = (e: unknown) => {
  const inner = e instanceof Error && e.message.startsWith("Failed query") && e.cause instanceof Error ? e.cause : e;
  if (!(inner instanceof Error)) return String(inner);
  const code = (inner as { code?: string }).code;
  const message = inner.message.split("\n")[0]!;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
};

/** Opens (creating if needed) `argus.db` in the data directory, in WAL mode, with migrations applied. */
export function openDatabase(dataDir: string, folder = migrationsFolder): Db {
  const file = databaseFile(dataDir);
  try {
    // Password hashes and key digests live here: the directory we create and the database are the owner's alone.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new DatabaseOpenError(`cannot create the data directory ${dataDir}: ${cause(e)}`);
  }
  if (orphanedWal(file)) {
    throw new DatabaseOpenError(
      `refusing to create ${file}: its WAL (${file}-wal) is still there, so the database was deleted while in use; ` +
        "restore the database file (or a backup) before starting again",
    );
  }
  const conflict = conflictWithServer(file);
  if (conflict) throw new DatabaseOpenError(`refusing to open ${file}: ${conflict} (the file was replaced); stop that server first`);
  let db: Db;
  try {
    db = openConnection(file, { create: true });
    chmodSync(file, 0o600);
  } catch (e) {
    throw new DatabaseOpenError(`cannot open the database ${file}: ${cause(e)}`);
  }
  try {
    migrate(db, { migrationsFolder: folder });
  } catch (e) {
    db.$client.close();
    throw new DatabaseOpenError(`cannot migrate the database ${file}: ${cause(e)}`);
  }
  return db;
}
