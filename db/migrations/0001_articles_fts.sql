-- Full-text index over articles, kept in step by triggers. External content keyed on articles.seq.
CREATE VIRTUAL TABLE `articles_fts` USING fts5(title, summary, content, content='articles', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `articles_fts_ai` AFTER INSERT ON `articles` BEGIN
  INSERT INTO articles_fts(rowid, title, summary, content) VALUES (new.seq, new.title, coalesce(new.summary, ''), coalesce(new.content, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_fts_ad` AFTER DELETE ON `articles` BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, summary, content) VALUES ('delete', old.seq, old.title, coalesce(old.summary, ''), coalesce(old.content, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `articles_fts_au` AFTER UPDATE OF title, summary, content ON `articles` BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, summary, content) VALUES ('delete', old.seq, old.title, coalesce(old.summary, ''), coalesce(old.content, ''));
  INSERT INTO articles_fts(rowid, title, summary, content) VALUES (new.seq, new.title, coalesce(new.summary, ''), coalesce(new.content, ''));
END;
