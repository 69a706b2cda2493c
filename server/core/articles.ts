import { forbidden, notFound } from "../errors.ts";
import type { Article, ArticleInput, ArticleListQuery } from "./article-schemas.ts";
import type { CoreDeps } from "./deps.ts";
import { articleById, latestArticles, listArticles, mayWalkFar } from "./stores/article-reads.ts";
import { checkPublishedAt } from "./stores/article-writes.ts";

export { ftsQuery } from "./stores/article-reads.ts";

/**
 * Articles: newest-first reads with keyset paging and full-text search; upserts keyed on url. Writes go to the
 * writer thread; a list whose filters may walk far goes to a reader thread; short reads stay here.
 */
export function createArticles(deps: CoreDeps) {
  const { db, work, clock } = deps;

  return {
    /** The newest articles, ties broken by id so the order is stable. */
    latest: (limit: number): Article[] => latestArticles(db.$client, limit),

    /** Filtered, newest first, one keyset page: `since` inclusive, `until` exclusive, `q` full-text. */
    async list(q: ArticleListQuery) {
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
      return { article: articles[0]!, created: created === 1 };
    },

    /** All or nothing; a url repeated within the batch counts once as created, then as updated. */
    async upsertMany(inputs: ArticleInput[]) {
      checkPublishedAt(inputs, clock.now(), (i) => `articles.${i}.publishedAt`);
      return work.write("articles.upsert", { inputs, now: clock.now() });
    },

    /**
     * A batch straight from a REST body: parsed, validated, stored and serialized on the writer thread. Returns the
     * answer's `data` as JSON text, ready to be spliced into the envelope.
     */
    async upsertManyJson(body: string): Promise<{ created: number; updated: number; json: string }> {
      return work.write("articles.upsertJson", { body, now: clock.now() });
    },

    /** Deleting is for admins, whichever credential they use; tags go with the article (FK cascade). */
    async remove(actor: { role: "user" | "admin" }, id: string) {
      if (actor.role !== "admin") throw forbidden("Admin access required");
      await work.write("articles.delete", { id });
    },
  };
}
export type Articles = ReturnType<typeof createArticles>;
