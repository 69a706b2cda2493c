import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { openDatabase } from "../../db/client.ts";
import { loadConfig } from "../config.ts";
import { parse } from "./args.ts";
import { emit } from "./output.ts";

/** Rows in drizzle's own bookkeeping table; 0 for a new database. */
function appliedCount(file: string): number {
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true });
  try {
    const table = db.query("SELECT 1 FROM sqlite_master WHERE name = '__drizzle_migrations'").get();
    return table ? (db.query("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n : 0;
  } finally {
    db.close();
  }
}

/** `argus migrate`: what the server does on start, as a step a deploy can run (and check) on its own. */
export async function migrateCommand(args: string[]) {
  const { values } = parse(args, {});
  const config = loadConfig();
  const file = resolve(join(config.dataDir, "argus.db"));
  let before = 0;
  try {
    before = appliedCount(file);
  } catch {
    // An unreadable file: opening it names the path and the cause in one line.
  }
  openDatabase(config.dataDir).$client.close();
  const total = appliedCount(file);
  emit(values.json, { database: file, applied: total - before, total }, () =>
    total === before
      ? `${file} is up to date (${total} migrations)`
      : `applied ${total - before} migration(s) to ${file} (${total} in total)`,
  );
}
