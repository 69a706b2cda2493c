import { isCompiled, type Db } from "../../db/client.ts";
import { identityOf, noteOpenedBy, sameFile, type FileIdentity } from "../../db/identity.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { readJobs, writeJobs, type JobArgs, type JobResult, type ReadJobs, type WriteJobs } from "./jobs.ts";
import { fromJobError, toJobError, type FromThread, type Role, type ToThread } from "./protocol.ts";

/** Where core sends database work: writes in order to the one writer, long reads to a reader. Callers await. */
export interface DbWork {
  write<K extends keyof WriteJobs>(name: K, args: JobArgs<K>): Promise<JobResult<K>>;
  read<K extends keyof ReadJobs>(name: K, args: JobArgs<K>): Promise<JobResult<K>>;
  /** Jobs sent and not yet answered. */
  load(): { writes: number; reads: number };
  /** "failing" once the database file was deleted or replaced under us (writes are refused from then on). */
  health(): "ok" | "failing";
  close(): Promise<void>;
}

const MAX_PENDING = { writer: 2_000, reader: 256 } as const;
const busy = () => new AppError("SERVICE_UNAVAILABLE", "The server is busy, try again shortly", undefined, 1);

// scripts/build.ts embeds the worker as an entrypoint at its source path (built to .js) under the binary's root.
const workerUrl = isCompiled ? "/$bunfs/root/server/db-thread/worker.js" : new URL("./worker.ts", import.meta.url).href;

type Waiter = { resolve(v: unknown): void; reject(e: Error): void };

/** One database thread, started on first use and again after a crash. */
function createThread(file: string, role: Role, logger: Logger, identity: FileIdentity | null, onReplaced: () => void) {
  let worker: Worker | undefined;
  let ready: Promise<void> | undefined;
  const waiting = new Map<number, Waiter>();
  let nextId = 0;
  let onClosed: (() => void) | undefined;

  const failAll = (why: string) => {
    const err = new Error(`database ${role} thread stopped: ${why}`);
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };

  const start = () => {
    const w = new Worker(workerUrl);
    w.unref();
    ready = new Promise<void>((resolve) => {
      w.onmessage = (event: MessageEvent<FromThread>) => {
        const m = event.data;
        if (m.type === "ready") return resolve();
        if (m.type === "closed") return onClosed?.();
        for (const o of m.outcomes) {
          const waiter = waiting.get(o.id);
          if (!waiter) continue;
          waiting.delete(o.id);
          if (waiting.size === 0) w.unref();
          if (!o.ok && o.error.kind === "replaced") onReplaced();
          if (o.ok) waiter.resolve(o.value);
          else waiter.reject(fromJobError(o.error));
        }
      };
    });
    w.onerror = (event) => {
      logger.error("database thread failed", { role, error: event.message });
      worker = undefined;
      failAll(event.message);
    };
    w.postMessage({ type: "init", file, role, identity } satisfies ToThread);
    worker = w;
  };

  return {
    pending: () => waiting.size,
    run(name: string, args: unknown): Promise<unknown> {
      if (waiting.size >= MAX_PENDING[role]) return Promise.reject(busy());
      if (!worker) start();
      const id = ++nextId;
      const w = worker!;
      // An idle thread must not keep the process alive; one with work owed must (a script awaiting a write).
      if (waiting.size === 0) w.ref();
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ type: "job", id, name, args, at: Date.now() } satisfies ToThread);
      });
    },
    async close() {
      const w = worker;
      if (!w) return;
      await ready;
      const closed = new Promise<void>((r) => (onClosed = r));
      w.postMessage({ type: "close" } satisfies ToThread);
      await Promise.race([closed, Bun.sleep(5_000)]);
      w.terminate();
      worker = undefined;
      failAll("closed");
    },
  };
}

/** Database work on threads: one writer (the only write connection in this process) and `readers` readers. */
export function createThreadedWork(opts: { file: string; readers: number; logger: Logger }): DbWork {
  // The file as opened; checked every couple of seconds here and before every write batch on the writer.
  const identity = identityOf(opts.file);
  const forget = noteOpenedBy(opts.file, identity);
  let failing = false;
  const replaced = () => {
    if (failing) return;
    failing = true;
    opts.logger.error("the database file was deleted or replaced while Argus had it open; refusing writes until restart", { file: opts.file });
  };
  const watch = setInterval(() => void (sameFile(identityOf(opts.file), identity) || replaced()), 2_000);
  watch.unref();
  const thread = (role: Role) => createThread(opts.file, role, opts.logger, identity, replaced);
  const writer = thread("writer");
  const readers = Array.from({ length: Math.max(1, opts.readers) }, () => thread("reader"));
  const leastBusy = () => readers.reduce((a, b) => (b.pending() < a.pending() ? b : a));
  return {
    write: (name, args) => writer.run(name, args) as Promise<any>,
    read: (name, args) => leastBusy().run(name, args) as Promise<any>,
    load: () => ({ writes: writer.pending(), reads: readers.reduce((n, r) => n + r.pending(), 0) }),
    health: () => (failing ? "failing" : "ok"),
    async close() {
      clearInterval(watch);
      forget();
      await Promise.all([writer.close(), ...readers.map((r) => r.close())]);
    },
  };
}

/** The same jobs on the caller's own connection, one transaction each: for the CLI, which may block. */
export function createInlineWork(db: Db): DbWork {
  const sqlite = db.$client;
  return {
    async write(name, args) {
      try {
        sqlite.exec("BEGIN IMMEDIATE");
      } catch (e) {
        throw fromJobError(toJobError(e));
      }
      try {
        const value = (writeJobs[name] as (db: Db, a: unknown) => unknown)(db, args);
        sqlite.exec("COMMIT");
        return value as any;
      } catch (e) {
        if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
        throw fromJobError(toJobError(e));
      }
    },
    async read(name, args) {
      return (readJobs[name] as (db: Db, a: unknown) => unknown)(db, args) as any;
    },
    load: () => ({ writes: 0, reads: 0 }),
    health: () => "ok",
    async close() {},
  };
}
