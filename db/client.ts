import { Database } from "bun:sqlite";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import * as schema from "./schema.ts";

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };

/** Inside a `bun build --compile` binary every module's path is under `/$bunfs/`, which no file on disk can be. */
export const isCompiled = import.meta.path.startsWith("/$bunfs/");

// scripts/build.ts embeds db/migrations/*.sql and meta/_journal.json at their source paths, under the binary's
// virtual root, so drizzle's own migrator reads the very files (and hashes) it reads from the source tree.
export const migrationsFolder = isCompiled ? "/$bunfs/root/db/migrations" : join(import.meta.dir, "migrations");

/** Opens (creating if needed) `argus.db` in the data directory, in WAL mode, with migrations applied. */
export function openDatabase(dataDir: string, folder = migrationsFolder): Db {
  // Password hashes and key digests live here: the directory we create and the database are the owner's alone.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, "argus.db");
  const sqlite = new Database(file, { create: true, strict: true });
  chmodSync(file, 0o600);
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = NORMAL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  const db = drizzle(sqlite, { schema }) as Db;
  migrate(db, { migrationsFolder: folder });
  return db;
}
