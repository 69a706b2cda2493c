// A database thread: owns one SQLite connection and runs named jobs from the main thread. The writer runs each
// burst of queued jobs in one IMMEDIATE transaction, a savepoint per job (a failing job changes nothing, the
// others commit), and answers only after COMMIT, so an acknowledged write is in the WAL. Waiting for another
// process's write lock (busy_timeout) blocks this thread, never the one serving requests.
import type { Db } from "../../db/client.ts";
import { openConnection } from "../../db/client.ts";
import { identityOf, sameFile, type FileIdentity } from "../../db/identity.ts";
import { readJobs, writeJobs } from "./jobs.ts";
import { lowerThreadPriority } from "./priority.ts";
import { toJobError, type FromThread, type Outcome, type Role, type ToThread } from "./protocol.ts";

declare var self: Worker;

const MAX_BATCH = 256;
// A job that waited this long (behind another process's lock) is answered 503 unrun: its caller has likely gone.
const DEADLINE_MS = 10_000;

type Job = Extract<ToThread, { type: "job" }>;
let db: Db;
let role: Role;
let file: string;
let identity: FileIdentity | null;
const queue: Job[] = [];
let scheduled = false;

const send = (m: FromThread) => postMessage(m);
const jobsFor = (r: Role): Record<string, (db: Db, args: any) => unknown> => (r === "writer" ? writeJobs : readJobs);

function run(job: Job): Outcome {
  try {
    const fn = jobsFor(role)[job.name];
    if (!fn) throw new Error(`unknown ${role} job ${job.name}`);
    return { id: job.id, ok: true, value: fn(db, job.args) };
  } catch (e) {
    return { id: job.id, ok: false, error: toJobError(e) };
  }
}

function runWrites(batch: Job[]): Outcome[] {
  const sqlite = db.$client;
  const now = Date.now();
  const stale = batch.filter((j) => now - j.at > DEADLINE_MS);
  const fresh = batch.filter((j) => now - j.at <= DEADLINE_MS);
  const outcomes: Outcome[] = stale.map((j) => ({ id: j.id, ok: false, error: { kind: "busy" } }));
  if (fresh.length === 0) return outcomes;
  // Writing into a file that is no longer the one at the path would be acknowledged and then lost.
  if (!sameFile(identityOf(file), identity)) {
    return outcomes.concat(fresh.map((j) => ({ id: j.id, ok: false, error: { kind: "replaced" } })));
  }
  try {
    sqlite.exec("BEGIN IMMEDIATE");
  } catch (e) {
    return outcomes.concat(fresh.map((j) => ({ id: j.id, ok: false, error: toJobError(e) })));
  }
  const done: Outcome[] = [];
  for (const job of fresh) {
    sqlite.exec("SAVEPOINT job");
    const outcome = run(job);
    if (!outcome.ok) sqlite.exec("ROLLBACK TO job");
    sqlite.exec("RELEASE job");
    done.push(outcome);
  }
  try {
    sqlite.exec("COMMIT");
  } catch (e) {
    try {
      sqlite.exec("ROLLBACK");
    } catch {}
    return outcomes.concat(fresh.map((j) => ({ id: j.id, ok: false, error: toJobError(e) })));
  }
  return outcomes.concat(done);
}

function drain() {
  scheduled = false;
  while (queue.length > 0) {
    const batch = queue.splice(0, role === "writer" ? MAX_BATCH : 1);
    send({ type: "done", outcomes: role === "writer" ? runWrites(batch) : batch.map(run) });
  }
}

self.onmessage = (event: MessageEvent<ToThread>) => {
  const m = event.data;
  if (m.type === "init") {
    db = openConnection(m.file);
    role = m.role;
    file = m.file;
    identity = m.identity;
    lowerThreadPriority();
    return send({ type: "ready" });
  }
  if (m.type === "close") {
    drain();
    db?.$client.close();
    return send({ type: "closed" });
  }
  queue.push(m);
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
};
