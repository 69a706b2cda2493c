import { and, desc, eq, exists, gte, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { articles, articleTags, type ArticleRow } from "../../db/schema.ts";
import { forbidden, notFound } from "../errors.ts";
import type { Article, ArticleInput, ArticleListQuery } from "./article-schemas.ts";
import { afterCursor, decodeCursor, page } from "./cursor.ts";
import type { CoreDeps } from "./deps.ts";

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

const toArticle = ({ seq: _seq, ...row }: ArticleRow): Article => row;
const notFoundArticle = () => notFound("Article not found");

/**
 * User text as an FTS5 query that cannot carry FTS syntax: each word becomes a quoted string (quotes doubled),
 * words are ANDed. Words with no letter or digit would tokenize to nothing, so they are dropped. Control
 * characters split words: FTS5 reads the query as a C string, so a NUL would cut a quoted string short.
 */
export function ftsQuery(q: string): string {
  return q
    .split(/[\s\p{Cc}]+/u)
    .filter((w) => /[\p{L}\p{N}]/u.test(w))
    .map((w) => `"${w.replaceAll('"', '""')}"`)
    .join(" ");
}

// Re-posting a url replaces the stored article (PUT-like): fields left out become null. id and createdAt stay.
const replaceOnConflict = {
  title: sql`excluded.title`,
  summary: sql`excluded.summary`,
  content: sql`excluded.content`,
  source: sql`excluded.source`,
  author: sql`excluded.author`,
  tags: sql`excluded.tags`,
  publishedAt: sql`excluded.published_at`,
  updatedAt: sql`excluded.updated_at`,
};

/** Articles: newest-first reads with keyset paging and full-text search; upserts keyed on url. */
export function createArticles(deps: CoreDeps) {
  const { db, clock } = deps;
  const newestFirst = [desc(articles.publishedAt), desc(articles.id)] as const;

  const selectById = db.select().from(articles).where(eq(articles.id, sql.placeholder("id"))).prepare();
  const selectLatest = db.select().from(articles).orderBy(...newestFirst).limit(sql.placeholder("limit")).prepare();

  /** One upsert plus its article_tags rows; the caller holds the transaction. */
  function write(tx: Tx, input: ArticleInput, now: Date) {
    const id = crypto.randomUUID();
    const row = tx
      .insert(articles)
      .values({
        id,
        title: input.title,
        url: input.url,
        summary: input.summary ?? null,
        content: input.content ?? null,
        source: input.source,
        author: input.author ?? null,
        tags: input.tags,
        publishedAt: input.publishedAt,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({ target: articles.url, set: replaceOnConflict })
      .returning()
      .get();
    tx.delete(articleTags).where(eq(articleTags.articleId, row.id)).run();
    if (input.tags.length > 0) tx.insert(articleTags).values(input.tags.map((tag) => ({ articleId: row.id, tag }))).run();
    // The conflict branch keeps the stored id, so a fresh id coming back means this call inserted the row.
    return { article: toArticle(row), created: row.id === id };
  }

  // IMMEDIATE takes the write lock up front, so concurrent writers in other processes queue instead of failing.
  const inTransaction = <T>(fn: (tx: Tx) => T) => db.transaction(fn, { behavior: "immediate" });

  return {
    /** The newest articles, ties broken by id so the order is stable. */
    latest: (limit: number): Article[] => selectLatest.all({ limit }).map(toArticle),

    /** Filtered, newest first, one keyset page: `since` inclusive, `until` exclusive, `q` full-text. */
    list(q: ArticleListQuery) {
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const search = q.q?.trim() ? ftsQuery(q.q) : undefined;
      if (search === "") return { items: [] as Article[], meta: { nextCursor: null, hasMore: false } };
      const rows = db
        .select()
        .from(articles)
        .where(
          and(
            q.since ? gte(articles.publishedAt, q.since) : undefined,
            q.until ? lt(articles.publishedAt, q.until) : undefined,
            q.source ? eq(articles.source, q.source) : undefined,
            q.tag
              ? exists(
                  db.select({ one: sql`1` }).from(articleTags)
                    .where(and(eq(articleTags.articleId, articles.id), eq(articleTags.tag, q.tag))),
                )
              : undefined,
            search
              ? sql`${articles.seq} IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ${search})`
              : undefined,
            afterCursor(articles.publishedAt, articles.id, after),
          ),
        )
        .orderBy(...newestFirst)
        .limit(q.limit + 1)
        .all();
      const p = page(rows, q.limit, (r) => [r.publishedAt.getTime(), r.id]);
      return { items: p.items.map(toArticle), meta: p.meta };
    },

    byId(id: string): Article {
      const row = selectById.get({ id });
      if (!row) throw notFoundArticle();
      return toArticle(row);
    },

    /** Creates, or replaces the article stored under the same url; never a second row for one url. */
    upsert(input: ArticleInput): { article: Article; created: boolean } {
      return inTransaction((tx) => write(tx, input, new Date(clock.now())));
    },

    /** All or nothing; a url repeated within the batch counts once as created, then as updated. */
    upsertMany(inputs: ArticleInput[]) {
      return inTransaction((tx) => {
        const now = new Date(clock.now());
        const results = inputs.map((input) => write(tx, input, now));
        const created = results.filter((r) => r.created).length;
        return { created, updated: results.length - created, articles: results.map((r) => r.article) };
      });
    },

    /** Deleting is for admins, whichever credential they use; tags go with the article (FK cascade). */
    remove(actor: { role: "user" | "admin" }, id: string) {
      if (actor.role !== "admin") throw forbidden("Admin access required");
      const deleted = db.delete(articles).where(eq(articles.id, id)).returning({ id: articles.id }).all();
      if (deleted.length === 0) throw notFoundArticle();
    },
  };
}
export type Articles = ReturnType<typeof createArticles>;
