import { z } from "zod";
import { isoDate, pageInput } from "./schemas.ts";

// Article shapes, defined once for both doors. REST sends ISO strings, tRPC (superjson) sends Dates.

const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(2048, { error: "must be at most 2048 characters" });

const text = (min: number, max: number) =>
  z.string().trim().min(min, { error: `must be ${min} to ${max} characters` }).max(max, { error: `must be ${min} to ${max} characters` });
const optionalText = (max: number) => z.string().max(max, { error: `must be at most ${max} characters` }).nullish();

/**
 * The distinct words of a search: split on whitespace and control characters (FTS5 reads its query as a C string,
 * so a NUL would cut a quoted word short), keeping only words with a letter or digit (others tokenize to nothing).
 */
export const searchWords = (q: string) => [...new Set(q.split(/[\s\p{Cc}]+/u).filter((w) => /[\p{L}\p{N}]/u.test(w)))];

export const Q_MAX_LENGTH = 200;
export const Q_MAX_TERMS = 8;

export const articleInput = z.object({
  title: text(1, 500),
  url: httpUrl,
  summary: optionalText(5000),
  content: optionalText(200_000),
  source: text(1, 100),
  author: optionalText(200),
  tags: z
    .array(text(1, 50))
    .max(20, { error: "must have at most 20 tags" })
    .nullish()
    // Trimmed above; a repeated tag would only be a duplicate article_tags row.
    .transform((tags) => [...new Set(tags ?? [])]),
  // Feed keys hold publishedAt in 2^43 ms either side of 1970; 1900 is far inside that and older than any feed.
  // The upper bound (24 h from now) needs the clock, so core checks it.
  publishedAt: isoDate.refine((d) => d.getTime() >= Date.UTC(1900, 0, 1), { error: "must be 1900-01-01 or later" }),
});

export const articleBatchInput = z.object({
  articles: z.array(articleInput).min(1, { error: "must hold 1 to 500 articles" }).max(500, { error: "must hold 1 to 500 articles" }),
});

export const latestQuery = pageInput.pick({ limit: true });

export const articleListQuery = pageInput.extend({
  since: isoDate.nullish(),
  until: isoDate.nullish(),
  // Stored values are trimmed, so filters are too; blank means no filter.
  source: z.string().trim().max(100).nullish(),
  tag: z.string().trim().max(50).nullish(),
  // Bounded, so one search's cost is too: at most 200 characters and 8 words (repeats count once).
  q: z
    .string()
    .max(Q_MAX_LENGTH, { error: `must be at most ${Q_MAX_LENGTH} characters` })
    .refine((q) => searchWords(q).length <= Q_MAX_TERMS, {
      error: `must have at most ${Q_MAX_TERMS} words`,
    })
    .nullish(),
});

export const articleSchema = z.object({
  id: z.string(),
  title: z.string(),
  url: z.string(),
  summary: z.string().nullable(),
  content: z.string().nullable(),
  source: z.string(),
  author: z.string().nullable(),
  tags: z.array(z.string()),
  publishedAt: z.date(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export const batchResultSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  articles: z.array(articleSchema),
});

/**
 * An article as both doors send it. Spelled out rather than `z.infer`red because it reaches the published client's
 * types, which must not need zod; `ArticleMatchesSchema` fails the type-check the moment the two drift apart.
 */
export type Article = {
  id: string;
  title: string;
  url: string;
  summary: string | null;
  content: string | null;
  source: string;
  author: string | null;
  tags: string[];
  publishedAt: Date;
  createdAt: Date;
  updatedAt: Date;
};
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type ArticleMatchesSchema = Holds<Same<Article, z.infer<typeof articleSchema>>>;
export type ArticleInput = z.output<typeof articleInput>;
export type ArticleListQuery = z.output<typeof articleListQuery>;
