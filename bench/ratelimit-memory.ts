// Memory held by the in-process limiter: 1,000,000 distinct buckets keyed like production ("key:<uuid>"),
// then after they refill and are swept; plus consume cost. Run: bun bench/ratelimit-memory.ts [buckets] [--no-store]
// --no-store makes the same keys without storing them: the RSS that 1M garbage key strings alone leave behind.
import { heapSize } from "bun:jsc";
import { manualClock } from "../server/clock.ts";
import { createMemoryStore } from "../server/core/ratelimit/memory.ts";

const N = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 1_000_000);
const noStore = process.argv.includes("--no-store");
const WINDOW_MS = 60_000;
const BATCH = 10_000; // keys are made a batch at a time, so the bench itself holds few strings
const MB = 1024 * 1024;
// RSS is what the brief budgets; the JS heap (which counts the table's ArrayBuffer) shows how much of it is live
// rather than allocator slack. RSS is read right after a full GC and again once the allocator's scavenger has had
// half a second to return freed pages, as it would on an idle server.
const rssMb = () => process.memoryUsage().rss / MB;
const mb = async () => {
  Bun.gc(true);
  const now = rssMb();
  await Bun.sleep(500);
  Bun.gc(true);
  return `${rssMb().toFixed(1)} MB, ${now.toFixed(1)} MB right after GC (js heap ${(heapSize() / MB).toFixed(1)} MB)`;
};
const newKeys = (n: number) => Array.from({ length: n }, () => `key:${crypto.randomUUID()}`);

const clock = manualClock(0);
const store = createMemoryStore({ clock, sweepIntervalMs: 0 });
const before = await mb();

// Fill: only the consume calls are timed, not making the UUIDs.
let insertMs = 0;
let peakRss = 0;
let last: string[] = [];
for (let done = 0; done < N; done += BATCH) {
  last = newKeys(Math.min(BATCH, N - done));
  const t = performance.now();
  if (!noStore) for (const key of last) store.consume(key, 100, WINDOW_MS);
  insertMs += performance.now() - t;
  peakRss = Math.max(peakRss, rssMb());
}
const filled = await mb();

// Hits: spend again on buckets that exist (the common case on a busy server).
const ROUNDS = noStore ? 0 : 50;
let t = performance.now();
for (let r = 0; r < ROUNDS; r++) for (const key of last) store.consume(key, 100, WINDOW_MS);
const hitNs = ((performance.now() - t) * 1e6) / (ROUNDS * last.length);

// Misses that store nothing: peeks at unknown keys.
const probes = newKeys(BATCH);
t = performance.now();
for (let r = 0; r < ROUNDS; r++) for (const key of probes) store.consume(key, 100, WINDOW_MS, 0);
const peekNs = ((performance.now() - t) * 1e6) / (ROUNDS * probes.length);
const live = store.size();

clock.advance(WINDOW_MS);
const sweepStarted = performance.now();
const dropped = store.sweep();
const sweepMs = performance.now() - sweepStarted;
last = [];
const swept = await mb();
store.close();

const fmt = (n: number) => n.toLocaleString("en");
console.log(`buckets:       ${fmt(live)} live, keys like ${probes[0]}${noStore ? ` (--no-store: ${fmt(N)} made, none stored)` : ""}`);
console.log(`rss before:    ${before}`);
console.log(`rss with ${fmt(live)}: ${filled}`);
console.log(`rss peak:      ${peakRss.toFixed(1)} MB while filling (sampled between batches, garbage not yet collected)`);
console.log(`rss swept+gc:  ${swept}; dropped ${fmt(dropped)} in one sync sweep() of ${sweepMs.toFixed(0)} ms, left ${store.size()}`);
if (!noStore) console.log(`consume:       ${((insertMs * 1e6) / N).toFixed(0)} ns/op new key, ${hitNs.toFixed(0)} ns/op existing, ${peekNs.toFixed(0)} ns/op peek miss`);
