// The victim of the fairness scenario: an ordinary caller sending a steady, low-rate stream of small requests
// (health, /api/auth/me with a key, the first page of the feed with the key) while someone else abuses the server.
//
// Open loop: a request leaves every `intervalMs` whether or not the last one answered, so a stalled server shows up
// as many slow requests (each one's own wait), not as one slow request and a pause in sending. Runs in its own
// process so the runner's work (building batches, reading a 250 MB answer) never delays it.
//   bun bench/lib/victim.ts '<json VictimSpec>'  -> warms up for `warmupMs` (those samples are dropped: a new
//   process's first requests pay for connections and JIT), prints WARM, sends until its stdin closes or gets a line,
//   then waits for the requests in flight (up to `drainMs`; later ones count as unanswered, with their wait so far)
//   and prints one JSON VictimResult line.
import { join } from "node:path";
import { percentile } from "./stats.ts";
import { stop, track } from "./procs.ts";

export type VictimSpec = { base: string; key: string; intervalMs: number; drainMs: number; warmupMs: number };
export type Sample = { kind: Kind; ms: number; status: number };
export type VictimResult = { samples: Sample[] };
type Kind = "health" | "me" | "read";

const KINDS: { kind: Kind; path: string; keyed: boolean }[] = [
  { kind: "health", path: "/api/health", keyed: false },
  { kind: "me", path: "/api/auth/me", keyed: true },
  { kind: "read", path: "/api/v1/articles/latest?limit=20", keyed: true },
];

async function victim(spec: VictimSpec): Promise<VictimResult> {
  const samples: Sample[] = [];
  const inFlight = new Map<number, { kind: Kind; started: number }>();
  let id = 0;
  let warm = false;
  const send = (kind: Kind, path: string, keyed: boolean) => {
    const n = id++;
    const started = performance.now();
    const counted = warm;
    if (counted) inFlight.set(n, { kind, started });
    fetch(spec.base + path, { headers: keyed ? { "x-api-key": spec.key } : {} })
      .then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      }, () => 0)
      .then((status) => {
        if (!inFlight.delete(n) || !counted) return; // already counted as unanswered, or warm-up
        samples.push({ kind, ms: performance.now() - started, status });
      });
  };
  let i = 0;
  const timer = setInterval(() => {
    const k = KINDS[i++ % KINDS.length]!;
    send(k.kind, k.path, k.keyed);
  }, spec.intervalMs);
  await Bun.sleep(spec.warmupMs);
  warm = true;
  console.log("WARM");
  // Any line or EOF on stdin means "stop sending".
  const reader = Bun.stdin.stream().getReader();
  await reader.read();
  clearInterval(timer);
  const until = performance.now() + spec.drainMs;
  while (inFlight.size && performance.now() < until) await Bun.sleep(10);
  const now = performance.now();
  for (const [n, r] of inFlight) {
    inFlight.delete(n);
    samples.push({ kind: r.kind, ms: now - r.started, status: -1 });
  }
  return { samples };
}

export type VictimStats = { n: number; p50: number; p99: number; max: number; byKind: Record<Kind, number>; unanswered: number; non2xx: number };

export function victimStats(r: VictimResult): VictimStats {
  const ms = r.samples.map((s) => s.ms);
  const p99Of = (k: Kind) => percentile(r.samples.filter((s) => s.kind === k).map((s) => s.ms), 99);
  return {
    n: ms.length,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms.length ? Math.max(...ms) : NaN,
    byKind: { health: p99Of("health"), me: p99Of("me"), read: p99Of("read") },
    unanswered: r.samples.filter((s) => s.status === -1).length,
    non2xx: r.samples.filter((s) => s.status < 200 || s.status >= 300).length,
  };
}

/**
 * Runs `abuse` while a victim process measures, and returns both. The victim measures from `leadMs` before the abuse and
 * stops only once `abuse` has resolved (the abusers' requests answered), so the backlog they leave is measured too.
 */
export async function withVictim<T>(
  spec: Pick<VictimSpec, "base" | "key"> & Partial<VictimSpec>,
  abuse: () => Promise<T>,
  leadMs = 100,
): Promise<{ stats: VictimStats; side: T }> {
  const full: VictimSpec = { intervalMs: 10, drainMs: 30_000, warmupMs: 500, ...spec };
  const proc = track(Bun.spawn([process.execPath, join(import.meta.dir, "victim.ts"), JSON.stringify(full)], { stdin: "pipe", stdout: "pipe", stderr: "pipe" }));
  const err = new Response(proc.stderr).text();
  try {
    const reader = proc.stdout.getReader();
    let text = "";
    for (;;) {
      const c = await reader.read();
      if (c.done) throw new Error(`victim exited before warming up: ${(await err).trim()}`);
      text += new TextDecoder().decode(c.value);
      if (text.includes("WARM\n")) break;
    }
    await Bun.sleep(leadMs);
    const side = await abuse();
    proc.stdin.end();
    for (let c = await reader.read(); !c.done; c = await reader.read()) text += new TextDecoder().decode(c.value);
    const code = await proc.exited;
    if (code !== 0) throw new Error(`victim failed (exit ${code}): ${(await err).trim()}`);
    return { stats: victimStats(JSON.parse(text.trim().split("\n").at(-1)!) as VictimResult), side };
  } finally {
    await stop(proc, 1_000);
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await victim(JSON.parse(process.argv[2]!) as VictimSpec)));
}
