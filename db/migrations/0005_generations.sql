CREATE TABLE `generations` (
	`name` text PRIMARY KEY NOT NULL,
	`n` integer DEFAULT 0 NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `generations` (`name`, `n`) VALUES ('keys', 0), ('articles', 0);
--> statement-breakpoint
CREATE TRIGGER `api_keys_generation` AFTER UPDATE OF `user_id`, `name`, `key_hash`, `key_prefix`, `last_four`, `scopes`, `is_active`, `rate_limit`, `expires_at`, `revoked_at`, `revoked_reason`, `meta`, `allowed_ips`, `rotated_to`, `rotated_from`, `quota_limit`, `quota_period`, `created_at` ON `api_keys`
BEGIN UPDATE `generations` SET `n` = `n` + 1 WHERE `name` = 'keys'; END;
--> statement-breakpoint
CREATE TRIGGER `api_keys_generation_delete` AFTER DELETE ON `api_keys`
BEGIN UPDATE `generations` SET `n` = `n` + 1 WHERE `name` = 'keys'; END;
--> statement-breakpoint
CREATE TRIGGER `users_generation` AFTER UPDATE ON `users`
BEGIN UPDATE `generations` SET `n` = `n` + 1 WHERE `name` = 'keys'; END;
--> statement-breakpoint
CREATE TRIGGER `users_generation_delete` AFTER DELETE ON `users`
BEGIN UPDATE `generations` SET `n` = `n` + 1 WHERE `name` = 'keys'; END;
--> statement-breakpoint
CREATE TRIGGER `articles_generation_insert` AFTER INSERT ON `articles`
BEGIN UPDATE `generations` SET `n` = `n` + 1 WHERE `name` = 'articles'; END;
--> statement-breakpoint
CREATE TRIGGER `articles_generation_update` AFTER UPDATE ON `articles`
BEGIN UPDATE `generations` SET `n` = `n` + 1 WHERE `name` = 'articles'; END;
--> statement-breakpoint
CREATE TRIGGER `articles_generation_delete` AFTER DELETE ON `articles`
BEGIN UPDATE `generations` SET `n` = `n` + 1 WHERE `name` = 'articles'; END;
