import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { heapSize } from "bun:jsc";
import { manualClock } from "../../server/clock.ts";
import { decide, type BucketState } from "../../server/core/ratelimit/bucket.ts";
import { createMemoryStore, type MemoryStore } from "../../server/core/ratelimit/memory.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const T = 1_800_000_000_000;
const WINDOW = 60_000;
let store: MemoryStore | undefined;
afterEach(() => store?.close());

function setup(opts: { sweepIntervalMs?: number } = {}) {
  const clock = manualClock(T);
  store = createMemoryStore({ clock, sweepIntervalMs: opts.sweepIntervalMs ?? 0 });
  return { clock, store };
}

const peek = (s: MemoryStore, key: string, limit = 100) => s.consume(key, limit, WINDOW, 0);
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The store's semantics with a plain Map and no sweeping (dropping a full bucket changes no decision). */
function reference(clock: { now(): number }) {
  const buckets = new Map<string, BucketState>();
  return (key: string, limit: number, windowMs = WINDOW, cost = 1) => {
    const { decision, next } = decide(buckets.get(key), limit, clock.now(), windowMs, cost);
    if (buckets.has(key) || next.tokens < limit) buckets.set(key, next);
    return decision;
  };
}

// Buckets that stay partially spent for ages (a tenth of a token back a minute), each by a distinct amount,
// so a mixed-up slot shows.
const BIG = 100_000;
const LONG = WINDOW * BIG * 10;
const spendLive = (s: MemoryStore, key: string, i: number) => s.consume(key, BIG, LONG, 1 + (i % 50_000));

describe("memory rate-limit store", () => {
  test("consumeAll spends from every bucket or, when one denies, from none", () => {
    const { clock, store } = setup();
    const both = [{ key: "key:a", limit: 5 }, { key: "user:u", limit: 2 }];
    expect(store.consumeAll(both)).toMatchObject([{ allowed: true, remaining: 4 }, { allowed: true, remaining: 1 }]);
    expect(store.consumeAll(both)).toMatchObject([{ allowed: true, remaining: 3 }, { allowed: true, remaining: 0 }]);
    const denied = store.consumeAll(both);
    expect(denied.map((d) => d.allowed)).toEqual([true, false]);
    expect(denied[1]).toMatchObject({ remaining: 0, retryAfter: 30 }); // one token is 30 s at 2/min
    expect(peek(store, "key:a", 5).remaining).toBe(3); // the refused request spent nothing from the key
    clock.advance(30_000);
    expect(store.consumeAll(both).map((d) => d.remaining)).toEqual([4, 0]); // the key refilled to full meanwhile
  });

  test("150 concurrent consumes with limit 100 let exactly 100 through", async () => {
    const { store } = setup();
    const decisions = await Promise.all(Array.from({ length: 150 }, async () => store.consume("key:burst", 100)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(100);
    expect(decisions.at(-1)).toEqual({ allowed: false, limit: 100, remaining: 0, resetAt: T + WINDOW, retryAfter: 1 });
  });

  test("keys are independent buckets", () => {
    const { store } = setup();
    for (let i = 0; i < 3; i++) store.consume("key:a", 3);
    expect(store.consume("key:a", 3).allowed).toBe(false);
    expect(store.consume("key:b", 3)).toMatchObject({ allowed: true, remaining: 2 });
    expect(store.consume("login:email:a", 3)).toMatchObject({ allowed: true, remaining: 2 });
  });

  test("refills with the clock, without sleeping", () => {
    const { clock, store } = setup();
    for (let i = 0; i < 100; i++) store.consume("key:a", 100);
    expect(store.consume("key:a", 100).allowed).toBe(false);
    clock.advance(600);
    expect(store.consume("key:a", 100)).toMatchObject({ allowed: true, remaining: 0 });
    expect(store.consume("key:a", 100).allowed).toBe(false);
    clock.advance(WINDOW);
    expect(store.consume("key:a", 100)).toMatchObject({ allowed: true, remaining: 99 });
  });

  test("sweep drops buckets that are full again and keeps partially spent ones", () => {
    const { clock, store } = setup();
    store.consume("key:idle", 100); // full again at T + 600
    clock.set(T + 30_001);
    for (let i = 0; i < 50; i++) store.consume("key:busy", 100); // full again at T + 60_001
    clock.set(T + WINDOW);
    expect(store.sweep()).toBe(1);
    expect(store.size()).toBe(1);
    expect(peek(store, "key:busy")).toMatchObject({ remaining: 99, resetAt: T + 60_001 });
    expect(peek(store, "key:idle")).toMatchObject({ remaining: 100, resetAt: T + WINDOW }); // as if never dropped
  });

  test("sweeps stay exact to the millisecond months on (fullAt is kept as an offset that moves forward)", () => {
    const { clock, store } = setup();
    const DAY = 24 * 60 * 60 * 1000;
    store.consume("key:early", 100); // full again at T + 600
    for (let i = 0; i < 100; i++) store.consume("key:long", 100, 80 * DAY); // full again at T + 80 days: beyond an offset's reach, never swept early
    clock.set(T + 60 * DAY); // past the ~49 days a 32-bit ms offset holds
    for (let i = 0; i < 50; i++) store.consume("key:late", 100); // full again at +30,000 ms: moves the base
    expect(store.sweep()).toBe(1); // key:early, full long ago
    clock.advance(29_999);
    expect(store.sweep()).toBe(0);
    expect(peek(store, "key:late").remaining).toBe(99);
    clock.advance(1);
    expect(store.sweep()).toBe(1); // key:late, full again exactly now
    expect(store.size()).toBe(1);
    expect(store.consume("key:long", 100, 80 * DAY, 0).remaining).toBe(75); // 60 days and 30 s of an 80-day refill
  });

  test("sweeping many one-off keys keeps the survivors' state intact", () => {
    const { clock, store } = setup();
    for (let i = 0; i < 5_000; i++) store.consume(`key:${i}`, 100);
    clock.set(T + 59_000);
    for (let i = 0; i < 10; i++) for (let j = 0; j < 50; j++) store.consume(`hot:${i}`, 100);
    expect(store.size()).toBe(5_010);
    clock.set(T + WINDOW);
    expect(store.sweep()).toBe(5_000);
    for (let i = 0; i < 10; i++) expect(peek(store, `hot:${i}`).remaining).toBe(51); // 50 + 1000 ms of refill
    for (let i = 0; i < 2_000; i++) store.consume(`new:${i}`, 100); // slots are reused after shrinking
    expect(store.size()).toBe(2_010);
    expect(peek(store, "hot:9").remaining).toBe(51);
  });

  test("memory stays bounded: a peek stores nothing and idle buckets are swept on a timer", async () => {
    const { clock, store } = setup({ sweepIntervalMs: 5 });
    peek(store, "key:never-spent");
    expect(store.size()).toBe(0);
    for (let i = 0; i < 25_000; i++) store.consume(`key:${i}`, 100); // more than one sweep slice
    for (let i = 0; i < 100; i++) store.consume("key:busy", 100, WINDOW * 10); // full again only after 10 min
    expect(store.size()).toBe(25_001);
    clock.advance(WINDOW);
    for (let waited = 0; store.size() > 1 && waited < 1_000; waited += 5) await Bun.sleep(5); // timer, not window
    expect(store.size()).toBe(1);
    expect(store.consume("key:busy", 100, WINDOW * 10).remaining).toBe(9); // 10 refilled, one spent
  });

  test("grows through several resizes with every bucket intact", () => {
    const { store } = setup();
    const n = 50_000; // 1,024 slots at first, 131,072 at the end: seven rebuilds
    for (let i = 0; i < n; i++) expect(store.consume(`key:${i}`, BIG, WINDOW, i + 1).remaining).toBe(BIG - i - 1);
    expect(store.size()).toBe(n);
    for (let i = 0; i < n; i++) {
      expect(store.consume(`key:${i}`, BIG, WINDOW, 0)).toMatchObject({ remaining: BIG - i - 1, resetAt: T + Math.ceil((i + 1) * 0.6) });
    }
    expect(store.size()).toBe(n);
  });

  test("keys that differ only in lone surrogates are still independent buckets", () => {
    const { store } = setup();
    const keys = ["x\ud800", "x\ud801", "x\ufffd", "x\udc00\ud800", '"x\\ud800"'];
    keys.forEach((key, i) => store.consume(key, 10, WINDOW, i + 1));
    keys.forEach((key, i) => expect(peek(store, key, 10).remaining).toBe(10 - i - 1));
  });

  test("one sweep() at high load drops every full bucket and shifts none of the others out of reach", () => {
    for (let round = 0; round < 5; round++) {
      const { clock, store } = setup(); // a fresh random seed each round
      const live: string[] = [];
      for (let i = 0; i < 39_000; i++) {
        // Two in three are one-offs, interleaved with live ones so probe runs mix both: load ~0.6 of 65,536.
        if (i % 3) store.consume(`once:${round}:${i}`, 100);
        else spendLive(store, live[live.push(`live:${round}:${i}`) - 1]!, i);
      }
      clock.set(T + WINDOW);
      expect(store.sweep()).toBe(26_000);
      expect(store.size()).toBe(13_000);
      live.forEach((key, j) => expect(store.consume(key, BIG, LONG, 0).remaining).toBe(BIG - 1 - ((3 * j) % 50_000)));
      expect(store.size()).toBe(13_000);
      store.close();
    }
  });

  test("probe runs that wrap past the end of a small table survive sweeps", () => {
    // 610 buckets in the first 1,024 slots: some run usually crosses the end, and backward shift must move
    // entries across that seam only where lookups will still find them. Hundreds of seeds to hit such layouts.
    for (let round = 0; round < 300; round++) {
      const { clock, store } = setup();
      for (let i = 0; i < 610; i++) {
        if (i % 2) store.consume(`once:${i}`, 100);
        else spendLive(store, `live:${i}`, i);
      }
      clock.set(T + WINDOW);
      expect(store.sweep()).toBe(305);
      for (let i = 0; i < 610; i += 2) expect(store.consume(`live:${i}`, BIG, LONG, 0).remaining).toBe(BIG - 1 - i);
      expect(store.size()).toBe(305);
      store.close();
    }
  });

  test("shrinks after a sweep, gives the memory back, and keeps the live buckets intact", () => {
    const { clock, store } = setup();
    for (let i = 0; i < 200_000; i++) store.consume(`once:${i}`, 100); // 524,288 slots, 16 MB
    for (let i = 0; i < 2_000; i++) spendLive(store, `live:${i}`, i);
    Bun.gc(true);
    const full = heapSize();
    clock.set(T + WINDOW);
    expect(store.sweep()).toBe(200_000);
    Bun.gc(true);
    expect(full - heapSize()).toBeGreaterThan(10 * 1024 * 1024); // 8,192 slots now: 256 KB
    for (let i = 0; i < 2_000; i++) expect(store.consume(`live:${i}`, BIG, LONG, 0).remaining).toBe(BIG - 1 - i);
    for (let i = 0; i < 20_000; i++) spendLive(store, `more:${i}`, i); // grows again from the small table
    expect(store.size()).toBe(22_000);
    for (let i = 0; i < 2_000; i++) expect(store.consume(`live:${i}`, BIG, LONG, 0).remaining).toBe(BIG - 1 - i);
    for (let i = 0; i < 20_000; i++) expect(store.consume(`more:${i}`, BIG, LONG, 0).remaining).toBe(BIG - 1 - i);
  });

  test("the timer sweep works in slices, between which consumes grow the table and spend live buckets", async () => {
    const { clock, store } = setup({ sweepIntervalMs: 5 });
    const model = reference(clock);
    const both = (key: string, limit: number, windowMs?: number, cost?: number) => {
      const got = store.consume(key, limit, windowMs, cost);
      expect(got).toEqual(model(key, limit, windowMs, cost));
    };
    const live: string[] = [];
    for (let i = 0; i < 36_000; i++) {
      if (i % 4) both(`once:${i}`, 100);
      else both(live[live.push(`live:${i}`) - 1]!, BIG, LONG, 1 + i);
    }
    expect(store.size()).toBe(36_000); // 65,536 slots: seven slices
    clock.advance(WINDOW);
    let ticks = 0;
    while (store.size() === 36_000 && ticks < 5_000) (await tick(), ticks++);
    // Caught between slices: some one-offs dropped, others not yet.
    expect(store.size()).toBeLessThan(36_000);
    expect(store.size()).toBeGreaterThan(live.length);
    live.forEach((key, i) => both(key, BIG, LONG, 7 + (i % 13))); // rewrites slots ahead of and behind the cursor
    for (let i = 0; i < 30_000; i++) both(live[live.push(`new:${i}`) - 1]!, BIG, LONG, 1 + (i % 997)); // rebuilds
    for (let waited = 0; store.size() > live.length && waited < 2_000; waited += 5) await Bun.sleep(5);
    expect(store.size()).toBe(live.length);
    for (const key of live) both(key, BIG, LONG, 0);
    for (let i = 1; i < 36_000; i += 4) both(`once:${i}`, 100, WINDOW, 0); // dropped, so full: same as missing
    expect(store.size()).toBe(live.length);
  });

  test("sweep() during a sliced timer sweep loses and corrupts nothing", async () => {
    const { clock, store } = setup({ sweepIntervalMs: 5 });
    for (let i = 0; i < 36_000; i++) {
      if (i % 4) store.consume(`once:${i}`, 100);
      else spendLive(store, `live:${i}`, i);
    }
    clock.advance(WINDOW);
    for (let ticks = 0; store.size() === 36_000 && ticks < 5_000; ticks++) await tick();
    expect(store.size()).toBeGreaterThan(9_000); // between slices
    for (let i = 0; i < 36_000; i++) if (i % 4) store.consume(`once:${i}`, 100); // spent again: full at +600 ms
    clock.advance(600);
    // Deletes around the timer's cursor, then shrinks the table under it: 9,000 live of 65,536 slots.
    expect(store.sweep()).toBe(27_000);
    for (let ticks = 0; ticks < 50; ticks++) await tick();
    for (let i = 0; i < 36_000; i += 4) expect(store.consume(`live:${i}`, BIG, LONG, 0).remaining).toBe(BIG - 1 - i);
    expect(store.size()).toBe(9_000);
  });

  test("a timer sweep of many buckets yields to the event loop between slices", async () => {
    const { clock, store } = setup({ sweepIntervalMs: 5 });
    for (let i = 0; i < 60_000; i++) store.consume(`once:${i}`, 100); // 131,072 slots: 14 slices
    clock.advance(WINDOW);
    for (let ticks = 0; store.size() === 60_000 && ticks < 5_000; ticks++) await tick();
    let ticks = 0;
    while (store.size() > 0 && ticks < 5_000) (await tick(), ticks++);
    expect(store.size()).toBe(0);
    expect(ticks).toBeGreaterThanOrEqual(5);
  });
});
