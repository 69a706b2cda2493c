import { Database } from "bun:sqlite";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../config.ts";
import { parse } from "./args.ts";
import { emit } from "./output.ts";

/**
 * `argus backup <path>`: VACUUM INTO writes a consistent, compacted snapshot from one read transaction, so it is
 * safe while the server keeps writing (WAL readers do not block writers). Copying argus.db by hand is not: the
 * newest commits may still be in argus.db-wal.
 */
export async function backupCommand(args: string[]) {
  const { values, positionals } = parse(args, {}, ["path"]);
  const target = resolve(positionals[0]!);
  const source = resolve(join(loadConfig().dataDir, "argus.db"));
  if (!existsSync(source)) throw new Error(`no database at ${source}`);
  // Checked here for a clear message; VACUUM INTO itself also refuses a non-empty file, which closes the race.
  if (existsSync(target)) throw new Error(`refusing to overwrite ${target}`);

  const db = new Database(source, { readonly: true });
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    db.prepare("VACUUM INTO ?").run(target);
  } finally {
    db.close();
  }
  const bytes = statSync(target).size;
  emit(values.json, { source, target, bytes }, () => `backed up ${source} to ${target} (${bytes} bytes)`);
}
