import { forbidden, notFound } from "../errors.ts";
import type { Article, ArticleInput, ArticleListQuery } from "./article-schemas.ts";
import { auditContext } from "./audit-context.ts";
import type { CoreDeps } from "./deps.ts";
import { articleById, latestArticles, listArticles, mayWalkFar } from "./stores/article-reads.ts";
import { share } from "./shared-values.ts";
import { checkPublishedAt } from "./stores/article-writes.ts";
import { createGeneration, createVersionedCache } from "./keycache.ts";

export { ftsQuery } from "./stores/article-reads.ts";

/**
 * Articles: newest-first reads with keyset paging and full-text search; upserts keyed on url. Writes go to the
 * writer thread; a list whose filters may walk far goes to a reader thread; short reads stay here.
 */
export function createArticles(deps: CoreDeps) {
  const { db, work, clock } = deps;
  // The pages everyone asks for (latest, the unfiltered first page) come from memory while no article changes (the
  // "articles" generation, any process), shared (frozen, the same objects every time), so the doors serialize each
  // one once (http/frame.ts and the tRPC transformer).
  const pages = createVersionedCache<Article[] | ArticlePage>(createGeneration(db, "articles", deps.changes), 256);

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
      checkPublishedAt([input], clock.now(), () => "publishedAt");
      const { articles, created } = await work.write("articles.upsert", { inputs: [input], now: clock.now() });
      pages.clear();
      return { article: articles[0]!, created: created === 1 };
    },

    /** All or nothing; a url repeated within the batch counts once as created, then as updated. */
    async upsertMany(inputs: ArticleInput[]) {
      checkPublishedAt(inputs, clock.now(), (i) => `articles.${i}.publishedAt`);
      const result = await work.write("articles.upsert", { inputs, now: clock.now() });
      pages.clear(); // the generation says so too; this covers a connection that cannot see its own commits
      return result;
    },

    /**
     * A batch straight from a REST body: parsed, validated, stored and serialized on the writer thread. Returns the
     * answer's `data` as JSON text, ready to be spliced into the envelope.
     */
    async upsertManyJson(body: string): Promise<{ created: number; updated: number; json: string }> {
      const result = await work.write("articles.upsertJson", { body, now: clock.now() });
      pages.clear();
      return result;
    },

    /** Deleting is for admins, whichever credential they use; tags go with the article (FK cascade). */
    async remove(actor: { role: "user" | "admin" }, id: string) {
      if (actor.role !== "admin") throw forbidden("Admin access required");
      await work.write("articles.delete", { id, now: clock.now(), audit: auditContext() });
      pages.clear();
    },
  };
}
export type Articles = ReturnType<typeof createArticles>;

export type ArticlePage = { items: Article[]; meta: { nextCursor: string | null; hasMore: boolean } };

/** No filter, no bound, no cursor: the page most callers ask for, the same for everyone. */
const isFirstPlainPage = (q: ArticleListQuery) => !q.cursor && !q.since && !q.until && !q.q && !q.tag && !q.source;

