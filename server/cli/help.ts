// Usage text, one entry per command group; `argus <group> --help` prints the group's entry.
const footer = `
Every command reads the same environment as the server (PORT, ARGUS_DATA_DIR, ...) and accepts --json
(its output, and any failure, as JSON; failures on stderr).
Exit status: 0 done, 1 failed (bad configuration, not found, conflict), 2 usage error (unknown command or
flag, missing argument, a flag value that cannot be used).`;

export const help: Record<string, string> = {
  argus: `Usage: argus [command] [flags]

Commands:
  serve                 run the API server (the default when no command is given)
  migrate               apply database migrations and exit
  users <subcommand>    create, list, set-role, deactivate
  keys <subcommand>     create, list, revoke, revoke-all, roll API keys; usage charts a key's requests
  usage                 the most used keys and users in a range (--since 1h), or those rate-limited
  seed --demo           load the demo articles
  config check          validate the environment and print the effective configuration
  backup <path>         write a consistent copy of the database to a new file
  audit                 show the audit log: who did what, newest first

Flags:
  --version             print the version and the commit it was built from
  --help, -h            print help (also: argus <command> --help)
${footer}`,

  serve: `Usage: argus serve [--port N] [--host H] [--workers N]

  --port N       listen on this port (overrides PORT)
  --host H       listen on this address (overrides HOST)
  --workers N    worker processes (overrides ARGUS_WORKERS)

Stops on SIGTERM/SIGINT: stops accepting, finishes in-flight requests (up to 10 s), writes pending key
usage and closes the database, then exits 0.`,

  migrate: `Usage: argus migrate

Applies pending migrations to ARGUS_DATA_DIR/argus.db (the server also does this on start).`,

  users: `Usage:
  argus users create --email E [--name N] [--admin] [--password-stdin]
  argus users list
  argus users set-role <email> <user|admin>
  argus users deactivate <email>

create reads the password from stdin with --password-stdin (one line), otherwise prompts on a terminal.
set-role and deactivate refuse to leave the server without an active admin. Deactivation ends the user's
sessions and stops their API keys.`,

  keys: `Usage:
  argus keys create --email E --name N [--scopes articles:read,articles:write] [--expires ISO-8601]
  argus keys list --email E [--include-revoked]
  argus keys revoke <id> [--reason TEXT]
  argus keys revoke-all --email E
  argus keys roll <id> [--grace SECONDS]
  argus keys usage <id> [--granularity minute|hour|day] [--since T] [--until T]

create and roll print the key once, on stdout; it is stored only as a hash and cannot be shown again.
Scopes default to articles:read; articles:write needs an admin owner.
revoke-all revokes every key of the user (after a leak or a stolen session).
roll replaces the key with a new one carrying the same settings; the old one keeps working for --grace
seconds (0 to 2592000, default 0), then fails with "API key has been rotated".
usage charts the key's requests by outcome, one bar per minute, hour (the default) or day with requests,
and their totals; T is a duration back from now (90m, 1h, 7d) or an ISO 8601 time. The default range is the
last hour of minutes, day of hours or 30 days of days.`,

  usage: `Usage: argus usage [--since T] [--until T] [--outcome O] [--limit N]

The keys and the users with the most requests from --since (default: 24 hours ago) to --until (default: now),
with their counts by outcome, top --limit (1 to 100, default 100) of each. T is a duration back from now (90m,
1h, 7d) or an ISO 8601 time. --outcome (ok, rateLimited, quotaExceeded, forbidden, ipNotAllowed, revoked,
expired, deactivated, notFound) keeps only keys and users with such requests, most first:
  argus usage --since 1h                        which keys were used in the last hour, and how often
  argus usage --since 1h --outcome rateLimited  which of them were rate-limited
A running server writes its counts every 2 seconds; the last 2 seconds may not show yet.`,

  seed: `Usage: argus seed --demo

Loads the demo articles into the database.`,

  config: `Usage: argus config check

Validates the environment like the server does at start and prints the effective configuration.
Secrets are never printed: ARGUS_JWT_SECRET and ARGUS_ADMIN_PASSWORD show as *** (or (generated)), and so does
any credential in ARGUS_REDIS_URL (user:pw@, pw@, ?password=).`,

  audit: `Usage: argus audit [--actor ID|EMAIL|cli|system|anonymous] [--action A] [--target ID] [--user ID|EMAIL]
                   [--since ISO-8601] [--until ISO-8601] [--limit N] [--cursor C]

Prints one page of the audit log (default 20 events, at most 100), newest first. --since is inclusive,
--until exclusive. --user: every event about that account (its sign-ins, its keys, admins' changes to it).
When more events match, the next page's --cursor is printed on stderr.
Actions: user.register, user.create, admin.bootstrap, auth.login, auth.login_failed, user.password_change,
auth.logout_all, user.update, key.create, key.revoke, key.revoke_all, key.roll, key.update, key.delete,
key.leak_reported, article.delete.
Events older than ARGUS_AUDIT_RETENTION_DAYS (default 365; 0 keeps them) are pruned by the server.`,

  backup: `Usage: argus backup <path>

Writes a consistent snapshot of the database to <path> with VACUUM INTO, safe while the server runs.
The copy is created mode 0600; an existing file or symlink at <path> is refused, never overwritten. Restore by stopping the server and copying it to ARGUS_DATA_DIR/argus.db.`,
};
