// Pinning: where `taskset` exists and there are at least 2 cores, servers run on all cores but the last and the
// load generator (wrk or the Bun generator) on the last one, so the two never take turns on one core.
// BENCH_PIN=off turns it off. Scenarios that measure fairness (latency under abuse) do not pin their server: the
// server then has every core, as it would in production, and the writer/hashing threads are not squeezed onto one.
const cores = navigator.hardwareConcurrency;
const taskset = process.env.BENCH_PIN === "off" ? null : Bun.which("taskset");

export const pinning = taskset && cores >= 2 ? { server: cores === 2 ? "0" : `0-${cores - 2}`, load: String(cores - 1) } : null;

/** `cmd` prefixed with `taskset -c <cores>` for its role, or unchanged when not pinning. */
export function pinned(cmd: readonly string[], role: "server" | "load"): string[] {
  return pinning ? [taskset!, "-c", pinning[role], ...cmd] : [...cmd];
}

export const pinningNote = () =>
  pinning ? `pinned with taskset: servers on core ${pinning.server}, load generator on core ${pinning.load}` : "not pinned";
