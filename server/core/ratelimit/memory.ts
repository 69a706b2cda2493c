import type { Clock } from "../../clock.ts";
import { decide, type Decision } from "./bucket.ts";
import type { RateLimitStore } from "./store.ts";

export interface MemoryStore extends RateLimitStore {
  consume(key: string, limit: number, windowMs?: number, cost?: number): Decision;
  /** Drops every bucket that is full by now (identical to a missing one) in one go; returns how many. */
  sweep(): number;
  size(): number;
  close(): void;
}

const MIN_CAPACITY = 1024;
// The timer sweeps this many buckets per macrotask: a million of them would otherwise stall the loop ~0.5 s.
const SWEEP_SLICE = 10_000;

/** In-process buckets. consume is synchronous, so check-and-spend cannot interleave between requests. */
export function createMemoryStore(opts: { clock: Clock; sweepIntervalMs?: number; unref?: boolean }): MemoryStore {
  const { clock, sweepIntervalMs = 60_000, unref = true } = opts;
  // Key -> slot in parallel typed arrays: 24 bytes a bucket and no per-bucket object for the GC to trace.
  const slots = new Map<string, number>();
  let tokens = new Float64Array(MIN_CAPACITY);
  let updatedAt = new Float64Array(MIN_CAPACITY);
  let fullAt = new Float64Array(MIN_CAPACITY); // lets a sweep decide without knowing each bucket's limit
  let free: number[] = [];
  let used = 0; // slots handed out so far; those below it and not in `free` are live

  const resize = (capacity: number) => {
    const t = new Float64Array(capacity);
    const u = new Float64Array(capacity);
    const f = new Float64Array(capacity);
    if (capacity > tokens.length) {
      t.set(tokens);
      u.set(updatedAt);
      f.set(fullAt);
    } else {
      // Shrinking: pack live buckets into the low slots.
      let i = 0;
      for (const [key, s] of slots) {
        t[i] = tokens[s]!;
        u[i] = updatedAt[s]!;
        f[i] = fullAt[s]!;
        slots.set(key, i++);
      }
      used = i;
      free = [];
    }
    tokens = t;
    updatedAt = u;
    fullAt = f;
  };

  const allocate = (key: string) => {
    let s = free.pop();
    if (s === undefined) {
      if (used === tokens.length) resize(tokens.length * 2);
      s = used++;
    }
    slots.set(key, s);
    return s;
  };

  const release = (key: string, s: number) => {
    slots.delete(key);
    free.push(s);
  };

  /** Visits up to `budget` entries; Map iterators stay valid across deletes and ticks. */
  const sweepSome = (entries: MapIterator<[string, number]>, now: number, budget: number) => {
    let dropped = 0;
    for (let i = 0; i < budget; i++) {
      const next = entries.next();
      if (next.done) return { dropped, done: true };
      const [key, s] = next.value;
      if (fullAt[s]! > now) continue;
      release(key, s);
      dropped++;
    }
    return { dropped, done: false };
  };

  // Give memory back after a burst of one-off keys, leaving room to grow again without thrashing.
  const maybeShrink = () => {
    if (tokens.length > MIN_CAPACITY && slots.size < tokens.length / 4) {
      resize(Math.max(MIN_CAPACITY, 2 ** Math.ceil(Math.log2(slots.size * 2 + 1))));
    }
  };

  let sweeping = false;
  const sweepInSlices = () => {
    if (sweeping) return;
    sweeping = true;
    const entries = slots.entries();
    const now = clock.now();
    const step = () => {
      if (!sweepSome(entries, now, SWEEP_SLICE).done) return void setImmediate(step);
      sweeping = false;
      maybeShrink();
    };
    step();
  };

  const timer = sweepIntervalMs > 0 ? setInterval(sweepInSlices, sweepIntervalMs) : undefined;
  if (unref) timer?.unref();

  return {
    consume(key, limit, windowMs = 60_000, cost = 1) {
      const s = slots.get(key);
      const state = s === undefined ? undefined : { tokens: tokens[s]!, updatedAt: updatedAt[s]! };
      const { decision, next } = decide(state, limit, clock.now(), windowMs, cost);
      // A full bucket is the same as none (e.g. a peek at a new key): don't spend memory on it.
      if (s === undefined && next.tokens >= limit) return decision;
      const t = s ?? allocate(key);
      tokens[t] = next.tokens;
      updatedAt[t] = next.updatedAt;
      fullAt[t] = decision.resetAt;
      return decision;
    },
    sweep() {
      const { dropped } = sweepSome(slots.entries(), clock.now(), Infinity);
      maybeShrink();
      return dropped;
    },
    size: () => slots.size,
    health: () => "ok",
    close: () => clearInterval(timer),
  };
}
