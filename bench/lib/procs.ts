// Every process the benchmarks start is tracked here, so a failure or Ctrl-C still ends all of them.
import type { Subprocess } from "bun";

const live = new Set<Subprocess>();
const finalizers = new Set<() => Promise<void> | void>();

/** Tracks a subprocess until it exits. */
export function track<T extends Subprocess>(proc: T): T {
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  return proc;
}

/** Something else to undo at the end (a temp dir, a Redis server). Returns a function that runs it early. */
export function onCleanup(fn: () => Promise<void> | void): () => Promise<void> {
  finalizers.add(fn);
  return async () => {
    if (!finalizers.delete(fn)) return;
    await fn();
  };
}

/** SIGTERM, then SIGKILL if the process has not gone within `graceMs`. */
export async function stop(proc: Subprocess, graceMs = 3_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  const gone = await Promise.race([proc.exited.then(() => true), Bun.sleep(graceMs).then(() => false)]);
  if (!gone) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}

let cleaning: Promise<void> | undefined;
/** Ends every tracked process (by its own handle, never by name) and runs the finalizers. Idempotent. */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([...live].map((p) => stop(p)));
    for (const fn of [...finalizers].reverse()) {
      finalizers.delete(fn);
      try {
        await fn();
      } catch (e) {
        console.error(`cleanup: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  })();
  return cleaning;
}
