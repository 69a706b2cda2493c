// Memory held by the in-process limiter: 1,000,000 distinct buckets, then after they refill and are swept.
import { heapSize } from "bun:jsc";
import { manualClock } from "../server/clock.ts";
import { createMemoryStore } from "../server/core/ratelimit/memory.ts";

const N = Number(process.argv[2] ?? 1_000_000);
const WINDOW_MS = 60_000;
const MB = 1024 * 1024;
// RSS is what the brief budgets; the JS heap shows how much of it is live objects rather than allocator slack.
const mb = () => {
  Bun.gc(true);
  return `${(process.memoryUsage().rss / MB).toFixed(1)} MB (js heap ${(heapSize() / MB).toFixed(1)} MB)`;
};

const clock = manualClock(0);
const store = createMemoryStore({ clock, sweepIntervalMs: 0 });
const before = mb();

const started = performance.now();
for (let i = 0; i < N; i++) store.consume(`key:${i}`, 100, WINDOW_MS);
const fillMs = performance.now() - started;
const filled = mb();

clock.advance(WINDOW_MS);
const sweepStarted = performance.now();
const dropped = store.sweep();
const sweepMs = performance.now() - sweepStarted;
const swept = mb();
store.close();

const nsPerOp = ((fillMs * 1e6) / N).toFixed(0);
console.log(`buckets:       ${N.toLocaleString("en")} (${(fillMs / 1000).toFixed(2)} s, ${nsPerOp} ns/consume)`);
console.log(`rss before:    ${before}`);
console.log(`rss filled:    ${filled}`);
const sweptNote = `dropped ${dropped.toLocaleString("en")} in one sync sweep() of ${sweepMs.toFixed(0)} ms`;
console.log(`rss swept:     ${swept}; ${sweptNote}, left ${store.size()}`);
