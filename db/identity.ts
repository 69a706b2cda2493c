import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";

/** Which file a path names right now: a database deleted or replaced under a running server changes it. */
export type FileIdentity = { dev: number; ino: number };

export function identityOf(file: string): FileIdentity | null {
  try {
    const st = statSync(file);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return null;
  }
}

export const sameFile = (a: FileIdentity | null, b: FileIdentity | null) => !!a && !!b && a.dev === b.dev && a.ino === b.ino;

/** A WAL (or shared-memory file) with no database beside it: the database was deleted while open. */
export const orphanedWal = (file: string) => !existsSync(file) && (existsSync(`${file}-wal`) || existsSync(`${file}-shm`));

const markerOf = (file: string) => `${file}.server`;

/** A running server notes which file it has open, so other processes can tell if the path changed under it. */
export function noteOpenedBy(file: string, identity: FileIdentity | null) {
  if (identity) writeFileSync(markerOf(file), JSON.stringify({ pid: process.pid, ...identity }) + "\n", { mode: 0o600 });
  return () => rmSync(markerOf(file), { force: true });
}

/** Why this process must not open `file`: a live server has a different file open under the same path. */
export function conflictWithServer(file: string): string | null {
  let note: { pid: number } & FileIdentity;
  try {
    note = JSON.parse(readFileSync(markerOf(file), "utf8"));
    if (note.pid === process.pid) return null;
    process.kill(note.pid, 0);
  } catch {
    return null; // no note, or its server is gone
  }
  const now = identityOf(file);
  return now && !sameFile(now, note) ? `a running server (pid ${note.pid}) has a different file open as ${file}` : null;
}
