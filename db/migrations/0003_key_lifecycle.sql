CREATE TABLE `key_quota_usage` (
	`key_id` text PRIMARY KEY NOT NULL,
	`period_start` integer NOT NULL,
	`used` integer NOT NULL,
	FOREIGN KEY (`key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `revoked_reason` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `meta` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `allowed_ips` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `rotated_to` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `rotated_from` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `quota_limit` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `quota_period` text;