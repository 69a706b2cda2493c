-- articles.seq becomes the feed-order key: published_at (ms) * 2^20 + a slot that sorts like id within one
-- millisecond (the id's first 5 hex digits, bumped past a neighbour's when two collide; server/core/feedkey.ts).
-- ORDER BY seq DESC is then "newest publishedAt first, ties by id", on the table and on the FTS index alike.
-- Written by hand: drizzle-kit cannot express the renumbering; the snapshot beside it matches the schema.
DROP TRIGGER `articles_fts_ai`;--> statement-breakpoint
DROP TRIGGER `articles_fts_ad`;--> statement-breakpoint
DROP TRIGGER `articles_fts_au`;--> statement-breakpoint
DROP TABLE `articles_fts`;--> statement-breakpoint
CREATE TABLE `__new_articles` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`title` text NOT NULL,
	`url` text NOT NULL,
	`summary` text,
	`content` text,
	`source` text NOT NULL,
	`author` text,
	`tags` text NOT NULL,
	`published_at` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_articles` (`seq`, `id`, `title`, `url`, `summary`, `content`, `source`, `author`, `tags`, `published_at`, `created_at`, `updated_at`)
WITH slotted AS (
  SELECT *,
    row_number() OVER (PARTITION BY published_at ORDER BY id) - 1 AS i,
    (max(instr('0123456789abcdef', substr(lower(id), 1, 1)) - 1, 0) * 65536
     + max(instr('0123456789abcdef', substr(lower(id), 2, 1)) - 1, 0) * 4096
     + max(instr('0123456789abcdef', substr(lower(id), 3, 1)) - 1, 0) * 256
     + max(instr('0123456789abcdef', substr(lower(id), 4, 1)) - 1, 0) * 16
     + max(instr('0123456789abcdef', substr(lower(id), 5, 1)) - 1, 0)) AS raw
  FROM `articles`
)
SELECT published_at * 1048576 + i + max(raw - i) OVER (PARTITION BY published_at ORDER BY id ROWS UNBOUNDED PRECEDING),
  `id`, `title`, `url`, `summary`, `content`, `source`, `author`, `tags`, `published_at`, `created_at`, `updated_at`
FROM slotted;--> statement-breakpoint
CREATE TABLE `__tags` AS SELECT n.`seq` AS `article_seq`, t.`tag` AS `tag` FROM `article_tags` t JOIN `__new_articles` n ON n.`id` = t.`article_id`;--> statement-breakpoint
DROP TABLE `article_tags`;--> statement-breakpoint
DROP TABLE `articles`;--> statement-breakpoint
ALTER TABLE `__new_articles` RENAME TO `articles`;--> statement-breakpoint
CREATE UNIQUE INDEX `articles_id_unique` ON `articles` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `articles_url_unique` ON `articles` (`url`);--> statement-breakpoint
CREATE INDEX `articles_published_idx` ON `articles` (`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_source_seq_idx` ON `articles` (`source`,`seq`);--> statement-breakpoint
CREATE TABLE `article_tags` (
	`article_seq` integer NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`tag`, `article_seq`),
	FOREIGN KEY (`article_seq`) REFERENCES `articles`(`seq`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `article_tags` (`article_seq`, `tag`) SELECT `article_seq`, `tag` FROM `__tags`;--> statement-breakpoint
DROP TABLE `__tags`;--> statement-breakpoint
CREATE INDEX `article_tags_article_idx` ON `article_tags` (`article_seq`);--> statement-breakpoint
CREATE VIRTUAL TABLE `articles_fts` USING fts5(title, summary, content, content='articles', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');--> statement-breakpoint
INSERT INTO `articles_fts`(`articles_fts`) VALUES ('rebuild');--> statement-breakpoint
CREATE TRIGGER `articles_fts_ai` AFTER INSERT ON `articles` BEGIN
  INSERT INTO articles_fts(rowid, title, summary, content) VALUES (new.seq, new.title, coalesce(new.summary, ''), coalesce(new.content, ''));
END;--> statement-breakpoint
CREATE TRIGGER `articles_fts_ad` AFTER DELETE ON `articles` BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, summary, content) VALUES ('delete', old.seq, old.title, coalesce(old.summary, ''), coalesce(old.content, ''));
END;--> statement-breakpoint
CREATE TRIGGER `articles_fts_au` AFTER UPDATE OF seq, title, summary, content ON `articles` BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, summary, content) VALUES ('delete', old.seq, old.title, coalesce(old.summary, ''), coalesce(old.content, ''));
  INSERT INTO articles_fts(rowid, title, summary, content) VALUES (new.seq, new.title, coalesce(new.summary, ''), coalesce(new.content, ''));
END;--> statement-breakpoint
ALTER TABLE `users` ADD `rate_limit` integer;
