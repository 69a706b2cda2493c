import { afterEach, describe, expect, test } from "bun:test";
import { manualClock } from "../../server/clock.ts";
import { createMemoryStore, type MemoryStore } from "../../server/core/ratelimit/memory.ts";

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

describe("memory rate-limit store", () => {
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
});
