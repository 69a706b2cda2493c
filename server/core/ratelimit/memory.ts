import type { Clock } from "../../clock.ts";
import { decide, type BucketState, type Decision } from "./bucket.ts";
import type { Charge, RateLimitStore } from "./store.ts";

export interface MemoryStore extends RateLimitStore {
  consume(key: string, limit: number, windowMs?: number, cost?: number): Decision;
  consumeAll(charges: Charge[]): Decision[];
  /** Drops every bucket that is full by now (identical to a missing one) in one go; returns how many. */
  sweep(): number;
  size(): number;
  close(): void;
}

const MIN_CAPACITY = 1024; // slots; always a power of two
const MAX_LOAD = 0.6; // grow ×2 above this
const SHRINK_LOAD = 0.15; // after a sweep, shrink below this...
const TARGET_LOAD = 0.3; // ...to the smallest capacity at or under this, so refilling doesn't regrow at once
// The timer visits this many slots per macrotask: a million buckets would otherwise stall the loop ~0.5 s.
const SWEEP_SLICE = 10_000;
// tokens, updatedAt (Float64) + key hash lo, hi and fullAt in whole seconds (Uint32): 28 bytes, so 1M buckets
// (2^21 slots) take 56 MB rather than 64.
const F64_PER_SLOT = 2;
const U32_PER_SLOT = 3;

/**
 * In-process buckets. consume is synchronous, so check-and-spend cannot interleave between requests.
 *
 * Why hashing: keying a Map by the caller's string ("key:<uuid>", "login:email:<email>", ...) cost ~200 MB
 * for 1M buckets, almost all of it strings and Map entries. Here a bucket is a 64-bit hash of its key plus
 * two doubles and a 32-bit time in flat typed arrays (open addressing, linear probing, backward-shift deletion): 28 bytes a
 * slot, ~56 MB for 1M buckets at a load of at most 0.6, and no per-bucket object for the GC to trace.
 *
 * Why that is safe: the key string is never kept, so two keys with equal hashes would share one bucket. The hash
 * is wyhash keyed with a random per-store seed from crypto, so nobody can pre-compute colliding keys, and by the
 * birthday bound two of n = 1M keys collide with probability ~n²/2⁶⁵ ≈ 3e-8; even then the only effect is that
 * those two keys share one bucket. Bun hashes a string's UTF-8, which turns every lone surrogate into U+FFFD
 * whatever the seed, so such keys are hashed from their escaped JSON form under a second seed instead.
 */
export function createMemoryStore(opts: { clock: Clock; sweepIntervalMs?: number; unref?: boolean }): MemoryStore {
  const { clock, sweepIntervalMs = 60_000, unref = true } = opts;
  const seeds = crypto.getRandomValues(new BigUint64Array(2));
  const seed = seeds[0]!;
  const illFormedSeed = seeds[1]!;

  // Two buffers per table, a 16-byte and a 12-byte record per slot:
  // f64[2s] tokens, f64[2s + 1] updatedAt; u32[3s] and u32[3s + 1] the key hash's low (picks the home slot) and
  // high halves, u32[3s + 2] fullAt (lets a sweep decide without knowing each bucket's limit) as whole ms after
  // `base`, rounded up (keeping a full bucket a moment longer changes nothing: a full bucket is the same as none).
  // An all-zero hash marks an empty slot (see hashKey). A probe reads only the hashes.
  let capacity = 0;
  let mask = 0;
  let f64 = new Float64Array(0);
  let u32 = new Uint32Array(0);
  let count = 0;
  let dropped = 0; // running total, so callers can tell how many a scan dropped
  let generation = 0; // bumped whenever the table is rebuilt, so a sliced sweep knows its cursor is stale
  // fullAt offsets count from here (~49 days of room); the table is moved forward when a write needs more. A bucket
  // full later than the room allows gets KEEP, which no sweep drops.
  let base = clock.now();
  const KEEP = 0xffffffff;
  const fullAtOffset = (fullAt: number, now: number) => {
    let offset = Math.ceil(fullAt - base);
    if (offset >= KEEP && fullAt - now < KEEP) {
      rebase(now);
      offset = Math.ceil(fullAt - base);
    }
    return Math.min(KEEP, Math.max(0, offset));
  };
  /** Moves `base` to `now`: offsets shrink by the difference (those already past stay at 0: full, droppable). */
  const rebase = (now: number) => {
    const delta = Math.floor(now - base);
    if (delta <= 0) return;
    for (let s = 0; s < capacity; s++) {
      const v = u32[3 * s + 2]!;
      if (!isEmpty(s) && v !== KEEP) u32[3 * s + 2] = Math.max(0, v - delta);
    }
    base += delta;
  };

  const allocate = (slots: number) => {
    capacity = slots;
    mask = slots - 1;
    f64 = new Float64Array(slots * F64_PER_SLOT);
    u32 = new Uint32Array(slots * U32_PER_SLOT);
  };
  allocate(MIN_CAPACITY);
  const isEmpty = (s: number) => (u32[3 * s]! | u32[3 * s + 1]!) === 0;

  // The key's hash, split into halves without BigInt arithmetic; consume reads them right after hashKey.
  const wide = new BigUint64Array(1);
  const halves = new Uint32Array(wide.buffer);
  let lo = 0;
  let hi = 0;
  const hashKey = (key: string) => {
    wide[0] = key.isWellFormed() ? Bun.hash.wyhash(key, seed) : Bun.hash.wyhash(JSON.stringify(key), illFormedSeed);
    lo = halves[0]!;
    hi = halves[1]!;
    if ((lo | hi) === 0) lo = 1; // 0 means empty; folding it onto 1 costs one 2⁻⁶⁴-likely extra collision
  };

  /** The slot holding (lo, hi), or ~slot (negative) of the empty slot where it would go. */
  const find = (keyLo: number, keyHi: number) => {
    for (let i = keyLo & mask; ; i = (i + 1) & mask) {
      const l = u32[3 * i]!;
      const h = u32[3 * i + 1]!;
      if (l === keyLo && h === keyHi) return i;
      if ((l | h) === 0) return ~i;
    }
  };

  const rebuild = (slots: number) => {
    const [oldF64, oldU32, oldCapacity] = [f64, u32, capacity];
    allocate(slots);
    for (let s = 0; s < oldCapacity; s++) {
      const l = oldU32[3 * s]!;
      const h = oldU32[3 * s + 1]!;
      if ((l | h) === 0) continue;
      const i = ~find(l, h);
      f64[2 * i] = oldF64[2 * s]!;
      f64[2 * i + 1] = oldF64[2 * s + 1]!;
      u32[3 * i + 2] = oldU32[3 * s + 2]!;
      u32[3 * i] = l;
      u32[3 * i + 1] = h;
    }
    generation++;
  };

  /** Empties slot i and pulls later entries of its probe run back, so lookups never need tombstones. */
  const remove = (i: number) => {
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const l = u32[3 * j]!;
      const h = u32[3 * j + 1]!;
      if ((l | h) === 0) break;
      const home = l & mask;
      // The entry at j may fill the hole at i only if its home is not cyclically within (i, j].
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      f64[2 * i] = f64[2 * j]!;
      f64[2 * i + 1] = f64[2 * j + 1]!;
      u32[3 * i + 2] = u32[3 * j + 2]!;
      u32[3 * i] = l;
      u32[3 * i + 1] = h;
      i = j;
    }
    u32[3 * i] = 0;
    u32[3 * i + 1] = 0;
    count--;
  };

  /**
   * Visits slots [from, ...) up to `budget` visits, dropping buckets full by `now`; returns where it stopped.
   * After a drop the same slot is visited again, since backward shift may have moved an unvisited entry into it.
   * Every other entry a shift moves lands at or after the cursor (still to be visited) or, when its run wraps
   * past the end, in the low slots the scan already covered: at worst an entry is visited twice, which is
   * harmless as the check is idempotent. No entry is lost, because remove only moves entries, never drops them.
   */
  const sweepFrom = (from: number, now: number, budget: number) => {
    let i = from;
    for (let visits = 0; i < capacity && visits < budget; visits++) {
      const fullAt = u32[3 * i + 2]!;
      if (!isEmpty(i) && fullAt !== KEEP && base + fullAt <= now) {
        remove(i);
        dropped++;
      } else i++;
    }
    return i;
  };

  // Give memory back after a burst of one-off keys, leaving room to grow again without thrashing.
  const maybeShrink = () => {
    if (capacity <= MIN_CAPACITY || count >= capacity * SHRINK_LOAD) return;
    let slots = MIN_CAPACITY;
    while (count > slots * TARGET_LOAD) slots *= 2;
    if (slots < capacity) rebuild(slots);
  };

  // Timer sweep in slices. Between slices consume may insert (skipped until the next sweep: fine), sweep() may
  // delete (its shifts can move an entry behind the cursor: skipped, fine) or the table may be rebuilt, which
  // reorders every slot, so the scan restarts from 0 over the new table (revisits are harmless). Each slice reads
  // the clock afresh, so a bucket spent since the sweep began is judged by its new fullAt against the time now.
  let sweeping = false;
  let closed = false;
  const sweepInSlices = () => {
    if (sweeping || closed) return;
    sweeping = true;
    let cursor = 0;
    let gen = generation;
    const step = () => {
      if (closed) return void (sweeping = false);
      if (gen !== generation) [cursor, gen] = [0, generation];
      cursor = sweepFrom(cursor, clock.now(), SWEEP_SLICE);
      if (cursor < capacity) return void setImmediate(step);
      sweeping = false;
      maybeShrink();
    };
    step();
  };

  const timer = sweepIntervalMs > 0 ? setInterval(sweepInSlices, sweepIntervalMs) : undefined;
  if (unref) timer?.unref();

  const current: BucketState = { tokens: 0, updatedAt: 0 }; // reused: decide only reads it
  /** The decision for one bucket at `now`; with `apply`, also stores the bucket's new level ("allowed": only then). */
  const spend = (key: string, limit: number, windowMs: number, cost: number, now: number, apply: boolean | "allowed") => {
    hashKey(key);
    let s = find(lo, hi);
    if (s >= 0) {
      current.tokens = f64[2 * s]!;
      current.updatedAt = f64[2 * s + 1]!;
    }
    const { decision, next } = decide(s < 0 ? undefined : current, limit, now, windowMs, cost);
    if (!apply || (apply === "allowed" && !decision.allowed)) return decision;
    if (s < 0) {
      // A full bucket is the same as none (e.g. a peek at a new key): don't spend memory on it.
      if (next.tokens >= limit) return decision;
      if (count + 1 > capacity * MAX_LOAD) {
        rebuild(capacity * 2);
        s = find(lo, hi);
      }
      s = ~s;
      u32[3 * s] = lo;
      u32[3 * s + 1] = hi;
      count++;
    }
    f64[2 * s] = next.tokens;
    f64[2 * s + 1] = next.updatedAt;
    u32[3 * s + 2] = fullAtOffset(decision.resetAt, now);
    return decision;
  };

  return {
    consume: (key, limit, windowMs = 60_000, cost = 1) => spend(key, limit, windowMs, cost, clock.now(), true),
    // Synchronous, so nothing can spend between the look and the spend: all-or-nothing without a lock.
    consumeAll(charges) {
      const now = clock.now();
      // One bucket: the look and the spend are one decision (same state, same time), so one hash and probe.
      if (charges.length === 1) {
        const c = charges[0]!;
        return [spend(c.key, c.limit, c.windowMs ?? 60_000, c.cost ?? 1, now, "allowed")];
      }
      const look = charges.map((c) => spend(c.key, c.limit, c.windowMs ?? 60_000, c.cost ?? 1, now, false));
      if (!look.every((d) => d.allowed)) return look;
      return charges.map((c) => spend(c.key, c.limit, c.windowMs ?? 60_000, c.cost ?? 1, now, true));
    },
    sweep() {
      const before = dropped;
      sweepFrom(0, clock.now(), Infinity);
      maybeShrink();
      return dropped - before;
    },
    size: () => count,
    health: () => "ok",
    close: () => {
      closed = true;
      clearInterval(timer);
    },
  };
}
