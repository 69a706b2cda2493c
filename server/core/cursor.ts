import { sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { badRequest } from "../errors.ts";

/** Opaque keyset cursor: base64url of the sort key of the last row served. */
export function encodeCursor(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString("base64url");
}

export function decodeCursor(cursor: string): { at: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    // Only what this server issues: a real timestamp and an id, never an out-of-range date that silently matches nothing.
    const [at, id] = Array.isArray(value) && value.length === 2 ? value : [];
    if (Number.isSafeInteger(at) && Math.abs(at) <= 8.64e15 && typeof id === "string" && id.length <= 100) {
      return { at: at as number, id };
    }
  } catch {}
  throw badRequest("Invalid cursor", [{ field: "cursor", message: "is not a cursor this server issued" }]);
}

/** Splits a fetched `limit + 1` rows into the page and its meta. */
export function page<T>(rows: T[], limit: number, key: (row: T) => [number, string]) {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items, meta: { nextCursor: hasMore && last ? encodeCursor(...key(last)) : null, hasMore } };
}

/**
 * Rows after the cursor in (at DESC, id DESC) order. A row-value comparison, so SQLite seeks the
 * (at, id) index; the equivalent `a < ? OR (a = ? AND b < ?)` makes it scan like an OFFSET.
 */
export function afterCursor(at: SQLiteColumn, id: SQLiteColumn, cursor: { at: number; id: string } | undefined): SQL | undefined {
  return cursor ? sql`(${at}, ${id}) < (${cursor.at}, ${cursor.id})` : undefined;
}
