import type { Database, SQLQueryBindings } from "bun:sqlite";
import type { Db } from "../../../db/client.ts";
import { AppError, badRequest, conflict, issueDetails, notFound } from "../../errors.ts";
import { articleBatchInput, type ArticleInput } from "../article-schemas.ts";
import type { AuditContext } from "../audit-context.ts";
import { audit } from "./audit-writes.ts";
import { msBase, preferredSlot, SLOTS } from "../feedkey.ts";
import { articleColumns, toArticle, type RawArticle } from "./article-rows.ts";

// Article writes, run on the writer thread inside its transaction (one savepoint per job).

type Existing = { id: string; published_at: number; k: string };

/**
 * A free key for `id` among the articles published in the same millisecond, in id order: its preferred slot,
 * or just above its predecessor's key. Successors sitting at or below the new key move up one each, top first,
 * so keys stay unique and increasing in id order (usually nothing moves: slots are sparse).
 */
function place(db: Database, ms: number, id: string): bigint {
  const base = msBase(ms);
  const prev = db
    .query<{ k: string }, [number, string]>("SELECT cast(seq as text) AS k FROM articles WHERE published_at = ? AND id < ? ORDER BY id DESC LIMIT 1")
    .get(ms, id);
  const preferred = base + preferredSlot(id);
  const key = prev && BigInt(prev.k) + 1n > preferred ? BigInt(prev.k) + 1n : preferred;
  const moves: { id: string; to: bigint }[] = [];
  let need = key + 1n;
  const successors = db.query<{ id: string; k: string }, [number, string]>(
    "SELECT id, cast(seq as text) AS k FROM articles WHERE published_at = ? AND id > ? ORDER BY id",
  );
  for (const s of successors.iterate(ms, id)) {
    if (BigInt(s.k) >= need) break;
    moves.push({ id: s.id, to: need });
    need++;
  }
  if (need - 1n >= base + SLOTS) throw conflict("Too many articles share this publishedAt millisecond");
  const move = db.query<unknown, [string, string]>("UPDATE articles SET seq = cast(? AS integer) WHERE id = ?");
  for (const m of moves.reverse()) move.run(m.to.toString(), m.id);
  return key;
}

function writeOne(db: Database, input: ArticleInput, now: number) {
  const existing = db
    .query<Existing, [string]>("SELECT id, published_at, cast(seq as text) AS k FROM articles WHERE url = ?")
    .get(input.url);
  const ms = input.publishedAt.getTime();
  const id = existing?.id ?? crypto.randomUUID();
  const key = existing && existing.published_at === ms ? existing.k : place(db, ms, id).toString();
  const values = [input.title, input.summary ?? null, input.content ?? null, input.source, input.author ?? null, JSON.stringify(input.tags), ms, now] as const;
  let row: RawArticle;
  if (existing) {
    // Re-posting a url replaces the stored article (PUT-like): fields left out become null. id and createdAt stay.
    row = db
      .query<RawArticle, SQLQueryBindings[]>(
        `UPDATE articles SET title = ?, summary = ?, content = ?, source = ?, author = ?, tags = ?, published_at = ?,
         updated_at = ?, seq = cast(? AS integer) WHERE id = ? RETURNING ${articleColumns()}`,
      )
      .get(...values, key, id)!;
  } else {
    row = db
      .query<RawArticle, SQLQueryBindings[]>(
        `INSERT INTO articles (title, summary, content, source, author, tags, published_at, updated_at, seq, id, url, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, cast(? AS integer), ?, ?, ?) RETURNING ${articleColumns()}`,
      )
      .get(...values, key, id, input.url, now)!;
  }
  // The tag rows followed the key (ON UPDATE CASCADE); replace them with the new set.
  db.query("DELETE FROM article_tags WHERE article_seq = cast(? AS integer)").run(row.k);
  const addTag = db.query("INSERT INTO article_tags (article_seq, tag) VALUES (cast(? AS integer), ?)");
  for (const tag of input.tags) addTag.run(row.k, tag);
  return { article: toArticle(row), created: !existing };
}

/** Upserts by url, all in the caller's transaction; a url repeated in one batch counts as created, then updated. */
export function upsertArticles(db: Database, args: { inputs: ArticleInput[]; now: number }) {
  const results = args.inputs.map((input) => writeOne(db, input, args.now));
  const created = results.filter((r) => r.created).length;
  return { created, updated: results.length - created, articles: results.map((r) => r.article) };
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * A writer could otherwise pin an article to the top of every feed with a far-future date: at most 24 h ahead.
 * `field` names where the date was, for the 400's details.
 */
export function checkPublishedAt(inputs: ArticleInput[], now: number, field: (index: number) => string) {
  const bad = inputs.findIndex((a) => a.publishedAt.getTime() > now + DAY);
  if (bad >= 0) throw badRequest("Validation failed", [{ field: field(bad), message: "must be at most 24 hours in the future" }]);
}

/**
 * A REST batch as the raw request body: parsed, validated and upserted here on the writer thread, and its answer
 * serialized here too, so the serving thread only moves two strings (issue 9: a 500-article batch is ~10–30 ms
 * of zod and JSON). Errors are the ones the REST door gives for any body.
 */
export function upsertArticlesJson(db: Database, args: { body: string; now: number }) {
  let json: unknown;
  try {
    json = JSON.parse(args.body);
  } catch {
    throw new AppError("BAD_REQUEST", "Malformed JSON in request body");
  }
  const parsed = articleBatchInput.safeParse(json);
  if (!parsed.success) throw badRequest("Validation failed", issueDetails(parsed.error.issues));
  const inputs = parsed.data.articles;
  checkPublishedAt(inputs, args.now, (i) => `articles.${i}.publishedAt`);
  const result = upsertArticles(db, { inputs, now: args.now });
  return { created: result.created, updated: result.updated, json: JSON.stringify(result) };
}

export function deleteArticle(db: Db, args: { id: string; now: number; audit: AuditContext }) {
  const gone = db.$client
    .query<{ id: string; title: string; url: string }, [string]>("DELETE FROM articles WHERE id = ? RETURNING id, title, url")
    .get(args.id);
  if (!gone) throw notFound("Article not found");
  audit(db, args.audit, args.now, {
    action: "article.delete", targetType: "article", targetId: gone.id, changes: { title: gone.title, url: gone.url },
  });
}
