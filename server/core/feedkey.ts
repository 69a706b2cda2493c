import { badRequest } from "../errors.ts";

// articles.seq is the feed-order key: publishedAt (ms) × 2^20 + a slot that sorts like the id within one
// millisecond. So ORDER BY seq DESC is "newest publishedAt first, ties by id", and the FTS index, keyed on seq,
// streams a search in feed order: a page costs O(page), not O(matches). Keys pass 2^53, so JavaScript only ever
// holds them as BigInt or as their decimal text; SQLite does the arithmetic on its 64-bit integers.

export const SLOTS = 1n << 20n;
const HEX = "0123456789abcdef";

/** The slot an id asks for: its first five hex digits, as the migration computes it (non-hex counts as 0). */
export function preferredSlot(id: string): bigint {
  let slot = 0;
  for (let i = 0; i < 5; i++) slot = slot * 16 + Math.max(HEX.indexOf(id.charAt(i).toLowerCase()), 0);
  return BigInt(slot);
}

/** The first key of a millisecond: every article published at `ms` has a key in [base, base + SLOTS). */
export const msBase = (ms: number): bigint => BigInt(ms) * SLOTS;

/** Opaque article cursor: the feed key of the last row served; rows after it have smaller keys. */
export function encodeFeedCursor(seq: string): string {
  return Buffer.from(`s${seq}`).toString("base64url");
}

const MAX_KEY = (1n << 63n) - 1n;

/** The key bound a cursor stands for (decimal text, for SQL), or a 400. Also reads the older [at, id] cursors. */
export function decodeFeedCursor(cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^s(-?\d{1,19})$/.exec(text);
  if (m) {
    const key = BigInt(m[1]!);
    if (key <= MAX_KEY && key >= -MAX_KEY) return key.toString();
  }
  try {
    // Cursors issued before feed keys: [publishedAt ms, id]. The bound is where that row would sit.
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && Math.abs(value[0]) <= 8.64e12 && typeof value[1] === "string") {
      return (msBase(value[0]) + preferredSlot(value[1])).toString();
    }
  } catch {}
  throw badRequest("Invalid cursor", [{ field: "cursor", message: "is not a cursor this server issued" }]);
}

/** Keys for rows inserted together (a bulk seed): each its preferred slot, bumped past its predecessor in id order. */
export function assignFeedKeys(rows: { ms: number; id: string }[]): bigint[] {
  const order = rows.map((r, i) => i).sort((a, b) => rows[a]!.ms - rows[b]!.ms || (rows[a]!.id < rows[b]!.id ? -1 : 1));
  const keys: bigint[] = new Array(rows.length);
  let prev: { ms: number; key: bigint } | undefined;
  for (const i of order) {
    const { ms, id } = rows[i]!;
    const preferred = msBase(ms) + preferredSlot(id);
    const key = prev && prev.ms === ms && prev.key >= preferred ? prev.key + 1n : preferred;
    keys[i] = key;
    prev = { ms, key };
  }
  return keys;
}
