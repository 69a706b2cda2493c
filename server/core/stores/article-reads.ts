import type { Database } from "bun:sqlite";
import { searchWords, type Article, type ArticleListQuery } from "../article-schemas.ts";
import { decodeFeedCursor, encodeFeedCursor } from "../feedkey.ts";
import { articleColumns, toArticle, type RawArticle } from "./article-rows.ts";

/**
 * How many index entries one page may walk past that fail the other filters. A page ends early (fewer items,
 * `hasMore: true`, a cursor where the walk stopped) rather than walking on: a page costs O(limit + budget),
 * whatever the filters match. Callers that follow `nextCursor` still see every match, in order.
 */
export const SCAN_BUDGET = 1000;

type Page = { items: Article[]; meta: { nextCursor: string | null; hasMore: boolean } };

/** User text as an FTS5 query that cannot carry FTS syntax: each distinct word quoted (quotes doubled), ANDed. */
export function ftsQuery(q: string): string {
  return searchWords(q).map((w) => `"${w.replaceAll('"', '""')}"`).join(" ");
}

/**
 * One page of the feed, newest first. One index drives the walk in feed-key order — the FTS index for `q`,
 * (tag, seq) for `tag`, (source, seq) for `source`, else the table itself — and the other filters are checked
 * on the rows it yields; since/until/cursor are bounds on the key, so they cost nothing.
 */
export function listArticles(db: Database, q: ArticleListQuery): Page {
  const search = q.q?.trim() ? ftsQuery(q.q) : undefined;
  if (search === "") return { items: [], meta: { nextCursor: null, hasMore: false } };
  const params: Record<string, string | number> = {};
  const bounds = (col: string) => {
    const parts: string[] = [];
    if (q.cursor) {
      params.$before = decodeFeedCursor(q.cursor);
      parts.push(`${col} < cast($before AS integer)`);
    }
    if (q.until) {
      params.$until = q.until.getTime();
      parts.push(`${col} < $until * 1048576`);
    }
    if (q.since) {
      params.$since = q.since.getTime();
      parts.push(`${col} >= $since * 1048576`);
    }
    return parts.map((p) => ` AND ${p}`).join("");
  };

  let driver: string;
  const filters: string[] = [];
  if (search) {
    params.$q = search;
    driver = `SELECT rowid AS s FROM articles_fts WHERE articles_fts MATCH $q${bounds("rowid")} ORDER BY rowid DESC`;
  } else if (q.tag) {
    driver = `SELECT article_seq AS s FROM article_tags WHERE tag = $tag${bounds("article_seq")} ORDER BY article_seq DESC`;
  } else if (q.source) {
    driver = `SELECT seq AS s FROM articles WHERE source = $source${bounds("seq")} ORDER BY seq DESC`;
  } else {
    driver = `SELECT seq AS s FROM articles WHERE 1${bounds("seq")} ORDER BY seq DESC`;
  }
  if (q.tag) {
    params.$tag = q.tag;
    if (search) filters.push("EXISTS (SELECT 1 FROM article_tags t WHERE t.tag = $tag AND t.article_seq = a.seq)");
  }
  if (q.source) {
    params.$source = q.source;
    if (search || q.tag) filters.push("a.source = $source");
  }
  params.$budget = filters.length > 0 ? SCAN_BUDGET : q.limit + 1;
  params.$limit = q.limit + 1;
  const where = filters.length > 0 ? `WHERE ${filters.join(" AND ")}` : "";
  const rows = db
    .query<RawArticle, any>(
      `SELECT ${articleColumns("a")} FROM (${driver} LIMIT $budget) c JOIN articles a ON a.seq = c.s ${where} ORDER BY a.seq DESC LIMIT $limit`,
    )
    .all(params);

  if (rows.length > q.limit) {
    const items = rows.slice(0, q.limit);
    return { items: items.map(toArticle), meta: { nextCursor: encodeFeedCursor(items.at(-1)!.k), hasMore: true } };
  }
  if (filters.length === 0) return { items: rows.map(toArticle), meta: { nextCursor: null, hasMore: false } };
  // A short page: either the walk ran out of matches, or it spent its budget; then carry on from where it stopped.
  const { $limit: _l, ...walkParams } = params;
  const walk = db
    .query<{ n: number; last: string | null }, any>(`SELECT count(*) AS n, cast(min(s) as text) AS last FROM (${driver} LIMIT $budget)`)
    .get(walkParams)!;
  const more = walk.n >= SCAN_BUDGET && walk.last !== null;
  return { items: rows.map(toArticle), meta: { nextCursor: more ? encodeFeedCursor(walk.last!) : null, hasMore: more } };
}

/** Whether a list query may walk far (filters other than bounds): those run on a reader thread, not the loop. */
export const mayWalkFar = (q: ArticleListQuery) => Boolean(q.q?.trim() || q.tag || q.source);

export function latestArticles(db: Database, limit: number): Article[] {
  return db.query<RawArticle, [number]>(`SELECT ${articleColumns()} FROM articles ORDER BY seq DESC LIMIT ?`).all(limit).map(toArticle);
}

export function articleById(db: Database, id: string): Article | undefined {
  const row = db.query<RawArticle, [string]>(`SELECT ${articleColumns()} FROM articles WHERE id = ?`).get(id);
  return row ? toArticle(row) : undefined;
}
