import type { Article } from "../article-schemas.ts";

/** An articles row as bun:sqlite returns it from `SELECT a.*, cast(a.seq as text) AS k`. */
export type RawArticle = {
  k: string;
  id: string;
  title: string;
  url: string;
  summary: string | null;
  content: string | null;
  source: string;
  author: string | null;
  tags: string;
  published_at: number;
  created_at: number;
  updated_at: number;
};

/** The columns a RawArticle needs, optionally qualified by a table alias. */
export const articleColumns = (alias = "") => {
  const p = alias ? `${alias}.` : "";
  return ["id", "title", "url", "summary", "content", "source", "author", "tags", "published_at", "created_at", "updated_at"]
    .map((c) => p + c)
    .concat(`cast(${p}seq as text) AS k`)
    .join(", ");
};

export const toArticle = (r: RawArticle): Article => ({
  id: r.id,
  title: r.title,
  url: r.url,
  summary: r.summary,
  content: r.content,
  source: r.source,
  author: r.author,
  tags: JSON.parse(r.tags) as string[],
  publishedAt: new Date(r.published_at),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});
