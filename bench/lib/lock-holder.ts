// Another process holding SQLite's write lock (as the CLI or a second worker might):
//   bun bench/lib/lock-holder.ts <db file> <hold ms>
// Opens the file with bun:sqlite, takes the write lock with BEGIN IMMEDIATE, prints LOCKED, holds it, commits,
// prints RELEASED <ms held>. Readers in WAL mode are not blocked; every writer waits (busy_timeout) or fails.
import { Database } from "bun:sqlite";

const [file, hold] = process.argv.slice(2);
if (!file || !hold) {
  console.error("usage: bun bench/lib/lock-holder.ts <db file> <hold ms>");
  process.exit(2);
}
const db = new Database(file);
db.exec("PRAGMA busy_timeout = 10000");
db.exec("BEGIN IMMEDIATE");
const started = performance.now();
console.log("LOCKED");
await Bun.sleep(Number(hold));
db.exec("COMMIT");
console.log(`RELEASED ${Math.round(performance.now() - started)}`);
db.close();
