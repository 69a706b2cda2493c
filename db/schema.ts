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
    createdAt: timestamp("created_at").notNull().default(now),
  },
  (t) => [index("api_keys_user_created_idx").on(t.userId, t.createdAt), index("api_keys_created_idx").on(t.createdAt, t.id)],
);

export const articles = sqliteTable(
  "articles",
  {
    // Integer rowid alias: the FTS index keys on it, and unlike an implicit rowid it survives VACUUM.
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
    index("articles_published_idx").on(t.publishedAt, t.id),
    index("articles_source_published_idx").on(t.source, t.publishedAt, t.id),
  ],
);

export const articleTags = sqliteTable(
  "article_tags",
  {
    articleId: text("article_id").notNull().references(() => articles.id, { onDelete: "cascade" }),
    tag: text("tag").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tag, t.articleId] }), index("article_tags_article_idx").on(t.articleId)],
);

export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type ArticleRow = typeof articles.$inferSelect;
