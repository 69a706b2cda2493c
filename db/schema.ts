import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;
const timestamp = (name: string) => integer(name, { mode: "timestamp_ms" });

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name"),
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: ["user", "admin"] }).notNull().default("user"),
  isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
  /** This user's ceiling over all their keys, per minute; null = ARGUS_USER_RATE_LIMIT_PER_MINUTE. */
  rateLimit: integer("rate_limit"),
  tokenVersion: integer("token_version").notNull().default(0),
  createdAt: timestamp("created_at").notNull().default(now),
  updatedAt: timestamp("updated_at").notNull().default(now),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    keyPrefix: text("key_prefix").notNull(),
    lastFour: text("last_four").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    rateLimit: integer("rate_limit"),
    expiresAt: timestamp("expires_at"),
    lastUsedAt: timestamp("last_used_at"),
    revokedAt: timestamp("revoked_at"),
    /** Why it was revoked: the owner's or an admin's words, or "leaked" for a leak report. */
    revokedReason: text("revoked_reason"),
    /** The integration's own labels: a JSON object, at most 1 KB and 3 levels deep. */
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>(),
    /** CIDRs the key may be used from; null = anywhere. */
    allowedIps: text("allowed_ips", { mode: "json" }).$type<string[]>(),
    /** Set on a rolled key: its successor (it works until expiresAt, then says "rotated"). */
    rotatedTo: text("rotated_to"),
    rotatedFrom: text("rotated_from"),
    quotaLimit: integer("quota_limit"),
    quotaPeriod: text("quota_period", { enum: ["day", "month"] }),
    createdAt: timestamp("created_at").notNull().default(now),
  },
  (t) => [index("api_keys_user_created_idx").on(t.userId, t.createdAt), index("api_keys_created_idx").on(t.createdAt, t.id)],
);

/** Requests a key with a quota has spent in its current period (UTC day or month starting at periodStart). */
export const keyQuotaUsage = sqliteTable("key_quota_usage", {
  keyId: text("key_id").primaryKey().references(() => apiKeys.id, { onDelete: "cascade" }),
  periodStart: integer("period_start").notNull(),
  used: integer("used").notNull(),
});

export const articles = sqliteTable(
  "articles",
  {
    // The feed-order key (server/core/feedkey.ts): publishedAt in ms × 2^20 + a slot that sorts like id. An integer
    // rowid alias, so the table and the FTS index (keyed on it) both walk newest-first with ORDER BY seq DESC.
    seq: integer("seq").primaryKey(),
    id: text("id").notNull().unique(),
    title: text("title").notNull(),
    url: text("url").notNull().unique(),
    summary: text("summary"),
    content: text("content"),
    source: text("source").notNull(),
    author: text("author"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    publishedAt: timestamp("published_at").notNull(),
    createdAt: timestamp("created_at").notNull().default(now),
    updatedAt: timestamp("updated_at").notNull().default(now),
  },
  (t) => [
    // Places a new article among those of the same millisecond (its neighbours by id) and finds since/until.
    index("articles_published_idx").on(t.publishedAt, t.id),
    index("articles_source_seq_idx").on(t.source, t.seq),
  ],
);

export const articleTags = sqliteTable(
  "article_tags",
  {
    // Follows the article's seq when it moves (a new publishedAt), so a tag's rows walk in feed order too.
    articleSeq: integer("article_seq").notNull().references(() => articles.seq, { onDelete: "cascade", onUpdate: "cascade" }),
    tag: text("tag").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tag, t.articleSeq] }), index("article_tags_article_idx").on(t.articleSeq)],
);

/**
 * The audit log: append-only, one row per security-relevant action, written in the same transaction as the action.
 * `seq` orders and pages it; `actor` is a user id, or "cli" / "system" / "anonymous"; `subjectUserId` is the account
 * the event concerns (it shows in that user's own security events); `changes` is a small JSON of what changed, never
 * a secret.
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    at: timestamp("at").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    subjectUserId: text("subject_user_id"),
    ip: text("ip"),
    requestId: text("request_id"),
    changes: text("changes", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [
    index("audit_events_at_idx").on(t.at),
    index("audit_events_actor_idx").on(t.actor, t.seq),
    index("audit_events_action_idx").on(t.action, t.seq),
    index("audit_events_target_idx").on(t.targetId, t.seq),
    index("audit_events_subject_idx").on(t.subjectUserId, t.seq),
  ],
);

/**
 * Per-key usage: request counts by outcome in one row per key, unit ("minute" | "hour" | "day") and the unit's start
 * (ms, UTC). Processes add their own increments (upsert count = count + n); reads sum. Minutes are kept 48 h, hours
 * 90 days, days for good.
 */
export const keyUsage = sqliteTable(
  "key_usage",
  {
    keyId: text("key_id").notNull().references(() => apiKeys.id, { onDelete: "cascade" }),
    unit: text("unit", { enum: ["minute", "hour", "day"] }).notNull(),
    start: integer("start").notNull(),
    ok: integer("ok").notNull().default(0),
    rateLimited: integer("rate_limited").notNull().default(0),
    quotaExceeded: integer("quota_exceeded").notNull().default(0),
    forbidden: integer("forbidden").notNull().default(0),
    ipNotAllowed: integer("ip_not_allowed").notNull().default(0),
    revoked: integer("revoked").notNull().default(0),
    expired: integer("expired").notNull().default(0),
    deactivated: integer("deactivated").notNull().default(0),
    notFound: integer("not_found").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.unit, t.start] }), index("key_usage_unit_start_idx").on(t.unit, t.start)],
);

/**
 * Change counters for in-memory caches: `keys` moves on any change to a key (but its lastUsedAt) or a user, `articles`
 * on any article write; bumped by triggers (migration 0005), so every connection and process sees them. A cache
 * checks PRAGMA data_version (free) and, when some commit happened, reads its counter: writes that cannot matter to
 * it (quota spends, usage counts, lastUsedAt, audit events) no longer empty it. A column added to api_keys must be
 * added to the `api_keys_generation` trigger's column list.
 */
export const generations = sqliteTable("generations", {
  name: text("name").primaryKey(),
  n: integer("n").notNull().default(0),
});

export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type ArticleRow = typeof articles.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;
export type KeyUsageRow = typeof keyUsage.$inferSelect;
