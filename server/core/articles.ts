import { badRequest, forbidden, notFound } from "../errors.ts";
import type { Article, ArticleInput, ArticleListQuery } from "./article-schemas.ts";
import type { CoreDeps } from "./deps.ts";
import { articleById, latestArticles, listArticles, mayWalkFar } from "./stores/article-reads.ts";
import { share } from "./shared-values.ts";
import { createVersionedCache } from "./versioned-cache.ts";

export { ftsQuery } from "./stores/article-reads.ts";

const DAY = 24 * 60 * 60 * 1000;

/**
 * Articles: newest-first reads with keyset paging and full-text search; upserts keyed on url. Writes go to the
 * writer thread; a list whose filters may walk far goes to a reader thread; short reads stay here.
 */
export function createArticles(deps: CoreDeps) {
  const { db, work, clock } = deps;
  // The pages everyone asks for (latest, the unfiltered first page) come from memory while the database does not
  // change, shared (frozen, the same objects every time), so the doors serialize each one once (http/frame.ts and
  // the tRPC transformer).
  const pages = createVersionedCache<Article[] | ArticlePage>(deps.changes, 256);

  // A writer could otherwise pin an article to the top of every feed with a far-future date.
  const checkDates = (inputs: ArticleInput[]) => {
    const latest = clock.now() + DAY;
    const bad = inputs.findIndex((a) => a.publishedAt.getTime() > latest);
    if (bad >= 0) {
      const field = inputs.length > 1 ? `articles.${bad}.publishedAt` : "publishedAt";
      throw badRequest("Validation failed", [{ field, message: "must be at most 24 hours in the future" }]);
    }
  };

  return {
    /** The newest articles, ties broken by id so the order is stable. */
    latest: (limit: number): Article[] =>
      pages.get(`latest:${limit}`, () => share(latestArticles(db.$client, limit))) as Article[],

    /** Filtered, newest first, one keyset page: `since` inclusive, `until` exclusive, `q` full-text. */
    async list(q: ArticleListQuery): Promise<ArticlePage> {
      if (isFirstPlainPage(q)) return pages.get(`list:${q.limit}`, () => share(listArticles(db.$client, q))) as ArticlePage;
      return mayWalkFar(q) ? work.read("articles.list", q) : listArticles(db.$client, q);
    },

    byId(id: string): Article {
      const article = articleById(db.$client, id);
      if (!article) throw notFound("Article not found");
      return article;
    },

    /** Creates, or replaces the article stored under the same url; never a second row for one url. */
    async upsert(input: ArticleInput): Promise<{ article: Article; created: boolean }> {
      checkDates([input]);
      const { articles, created } = await work.write("articles.upsert", { inputs: [input], now: clock.now() });
      pages.clear();
      return { article: articles[0]!, created: created === 1 };
    },

    /** All or nothing; a url repeated within the batch counts once as created, then as updated. */
    async upsertMany(inputs: ArticleInput[]) {
      checkDates(inputs);
      const result = await work.write("articles.upsert", { inputs, now: clock.now() });
      pages.clear(); // the change counter says so too; this covers a connection that cannot see its own commits
      return result;
    },

    /** Deleting is for admins, whichever credential they use; tags go with the article (FK cascade). */
    async remove(actor: { role: "user" | "admin" }, id: string) {
      if (actor.role !== "admin") throw forbidden("Admin access required");
      await work.write("articles.delete", { id });
      pages.clear();
    },
  };
}
export type Articles = ReturnType<typeof createArticles>;

export type ArticlePage = { items: Article[]; meta: { nextCursor: string | null; hasMore: boolean } };

/** No filter, no bound, no cursor: the page most callers ask for, the same for everyone. */
const isFirstPlainPage = (q: ArticleListQuery) => !q.cursor && !q.since && !q.until && !q.q && !q.tag && !q.source;

