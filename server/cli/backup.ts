import { Database } from "bun:sqlite";
import { closeSync, existsSync, linkSync, lstatSync, openSync, statSync, unlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
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

  // lstat, not exists: a dangling symlink "does not exist" to stat but is a path we must not write through.
  if (lstatSync(target, { throwIfNoEntry: false })) throw new Error(`refusing to overwrite ${target}`);
  // The copy holds every password hash and key digest, so it is as private as the database (0600), and it never
  // lands on an existing path or through a link someone left there: the snapshot goes to a fresh file created
  // exclusively (O_EXCL refuses even a dangling symlink), which link(2) then publishes under the target name.
  // link(2) also refuses any existing entry, so the check and the creation are one atomic step.
  const scratch = join(dirname(target), `.${basename(target)}.${crypto.randomUUID()}.tmp`);
  closeSync(openSync(scratch, "wx", 0o600));
  try {
    const db = new Database(source, { readonly: true });
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      db.prepare("VACUUM INTO ?").run(scratch);
    } finally {
      db.close();
    }
    try {
      linkSync(scratch, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new Error(`refusing to overwrite ${target}`);
      throw e;
    }
  } finally {
    unlinkSync(scratch);
  }
  const bytes = statSync(target).size;
  emit(values.json, { source, target, bytes }, () => `backed up ${source} to ${target} (${bytes} bytes)`);
}
