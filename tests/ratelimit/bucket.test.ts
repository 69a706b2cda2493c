import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { decide, type BucketState } from "../../server/core/ratelimit/bucket.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const T = 1_800_000_000_000; // a realistic epoch, so float precision is tested where it matters
const WINDOW = 60_000;

/** Spends `n` tokens from `state` at `now`, returning the last decision and state. */
function spend(state: BucketState | undefined, n: number, limit: number, now: number, windowMs = WINDOW) {
  let last = decide(state, limit, now, windowMs);
  for (let i = 1; i < n; i++) last = decide(last.next, limit, now, windowMs);
  return last;
}

describe("token bucket", () => {
  test("a new key starts with a full bucket and spends one token", () => {
    const { decision, next } = decide(undefined, 100, T);
    expect(decision).toEqual({ allowed: true, limit: 100, remaining: 99, resetAt: T + 600, retryAfter: 0 });
    expect(next).toEqual({ tokens: 99, updatedAt: T });
  });

  test("allows exactly `limit` requests at one instant, then denies", () => {
    const last = spend(undefined, 100, 100, T);
    expect(last.decision).toMatchObject({ allowed: true, remaining: 0, resetAt: T + WINDOW });
    const denied = decide(last.next, 100, T).decision;
    expect(denied).toEqual({ allowed: false, limit: 100, remaining: 0, resetAt: T + WINDOW, retryAfter: 1 });
  });

  test("refills continuously at `limit` tokens per window", () => {
    const empty = spend(undefined, 100, 100, T).next;
    expect(decide(empty, 100, T + 599).decision.allowed).toBe(false);
    const one = decide(empty, 100, T + 600);
    expect(one.decision).toMatchObject({ allowed: true, remaining: 0 });
    expect(decide(empty, 100, T + 30_000).decision).toMatchObject({ allowed: true, remaining: 49 });
  });

  test("never refills above capacity", () => {
    const { decision, next } = decide({ tokens: 50, updatedAt: T }, 100, T + 3_600_000);
    expect(decision).toMatchObject({ allowed: true, remaining: 99 });
    expect(next.tokens).toBe(99);
  });

  test("resetAt is the ms epoch at which the bucket is full again", () => {
    expect(spend(undefined, 3, 100, T).decision.resetAt).toBe(T + 1_800);
    // 60000/7 ms per token is not whole: round up, never promise a full bucket early.
    expect(decide(undefined, 7, T).decision.resetAt).toBe(T + 8_572);
    expect(decide(undefined, 100, T, WINDOW, 0).decision.resetAt).toBe(T); // full now
  });

  describe("retryAfter", () => {
    test("is whole seconds until one token, rounded up", () => {
      const wait = (limit: number, windowMs: number, after = 0) => {
        const empty = spend(undefined, limit, limit, T, windowMs).next;
        return decide(empty, limit, T + after, windowMs).decision.retryAfter;
      };
      expect(wait(1, 60_000)).toBe(60);
      expect(wait(2, 3_000)).toBe(2); // 1.5 s -> 2
      expect(wait(1, 2_000)).toBe(2); // exactly 2 s stays 2
      expect(wait(7, 60_000)).toBe(9); // 8.571 s -> 9
    });

    test("is at least 1 even when the token is moments away", () => {
      const empty = decide(undefined, 1, T).next;
      for (const after of [59_000, 59_500, 59_999]) {
        const { decision } = decide(empty, 1, T + after);
        expect(decision).toMatchObject({ allowed: false, retryAfter: 1 });
        expect(Number.isInteger(decision.retryAfter)).toBe(true);
      }
    });
  });

  describe("limit changed mid-stream", () => {
    test("a lowered limit clamps the saved tokens to the new capacity", () => {
      const { decision, next } = decide({ tokens: 80, updatedAt: T }, 10, T);
      expect(decision).toMatchObject({ allowed: true, limit: 10, remaining: 9, resetAt: T + 6_000 });
      expect(next.tokens).toBe(9);
    });

    test("a raised limit keeps the saved tokens and refills at the new rate", () => {
      const { decision } = decide({ tokens: 5, updatedAt: T }, 200, T + 300); // 200/min = 1 token per 300 ms
      expect(decision).toMatchObject({ allowed: true, limit: 200, remaining: 5 });
    });
  });

  describe("cost", () => {
    test("cost 0 peeks: reports the state without spending", () => {
      const state = { tokens: 42.5, updatedAt: T };
      const { decision, next } = decide(state, 100, T, WINDOW, 0);
      expect(decision).toMatchObject({ allowed: true, remaining: 42 });
      expect(next).toEqual(state);
      const empty = decide({ tokens: 0.5, updatedAt: T }, 100, T, WINDOW, 0);
      expect(empty.decision).toMatchObject({ allowed: false, remaining: 0, retryAfter: 1 });
      expect(empty.next.tokens).toBe(0.5);
    });

    test("a cost above one needs that many tokens and never goes into debt", () => {
      const state = { tokens: 2, updatedAt: T };
      expect(decide(state, 100, T, WINDOW, 3).decision).toMatchObject({ allowed: false, retryAfter: 1 });
      expect(decide(state, 100, T, WINDOW, 3).next.tokens).toBe(2);
      expect(decide(state, 100, T, WINDOW, 2).decision).toMatchObject({ allowed: true, remaining: 0 });
    });
  });

  describe("clock going backwards", () => {
    test("does not refill, and does not count the same span twice when time catches up", () => {
      const empty = decide(undefined, 1, T).next;
      const back = decide(empty, 1, T - 10_000);
      expect(back.decision.allowed).toBe(false);
      expect(back.next.updatedAt).toBe(T);
      expect(decide(back.next, 1, T + 59_999).decision.allowed).toBe(false);
      expect(decide(back.next, 1, T + 60_000).decision.allowed).toBe(true);
    });

    test("retryAfter counts the wait from the caller's clock", () => {
      const empty = spend(undefined, 100, 100, T).next;
      expect(decide(empty, 100, T - 10_000).decision.retryAfter).toBe(11); // 10 s behind + 0.6 s
    });
  });
});

describe("refunds", () => {
  test("a negative cost gives tokens back, never above capacity, and is always allowed", () => {
    const now = 1_000_000;
    const spent = decide(undefined, 3, now, 60_000, 1).next; // 2 left
    const empty = decide(decide(spent, 3, now, 60_000, 1).next, 3, now, 60_000, 1).next; // 0 left
    const refunded = decide(empty, 3, now, 60_000, -1);
    expect(refunded.decision.allowed).toBe(true);
    expect(refunded.next.tokens).toBe(1);
    expect(decide(undefined, 3, now, 60_000, -1).next.tokens).toBe(3);
  });
});
