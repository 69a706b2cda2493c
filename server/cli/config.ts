import { resolve } from "node:path";
import { loadConfig, type Config } from "../config.ts";
import { lookup, parse } from "./args.ts";
import { emit } from "./output.ts";

const SECRET_PARAM = /pass|auth|secret|token|key/i;

/**
 * A URL with every credential hidden, in each form Redis clients read one: `:pw@`, `user:pw@`, a lone `pw@` (the
 * username slot, which Redis before ACLs took as the password) and query parameters such as `?password=`.
 */
export function maskUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  else if (u.username) u.username = "***";
  for (const name of [...u.searchParams.keys()]) if (SECRET_PARAM.test(name)) u.searchParams.set(name, "***");
  return u.toString();
}

/** The effective configuration by variable name, the way an operator sets it; secrets never printed. */
export function describeConfig(c: Config): Record<string, string | number | boolean> {
  return {
    PORT: c.port,
    HOST: c.host,
    ARGUS_DATA_DIR: resolve(c.dataDir),
    ARGUS_JWT_SECRET: c.jwtSecret ? "***" : "(generated)",
    ARGUS_ADMIN_EMAIL: c.adminEmail ?? "(unset)",
    ARGUS_ADMIN_PASSWORD: c.adminPassword ? "***" : "(unset)",
    ARGUS_ALLOW_REGISTRATION: c.allowRegistration,
    ARGUS_RATE_LIMIT_PER_MINUTE: c.rateLimitPerMinute,
    ARGUS_USER_RATE_LIMIT_PER_MINUTE: c.userRateLimitPerMinute || "0 (no ceiling)",
    ARGUS_SIGNUP_LIMIT_PER_HOUR: c.signupLimitPerHour,
    ARGUS_HASH_QUEUE_MAX: c.hashQueueMax,
    ARGUS_TRUST_PROXY: c.trustProxy,
    ARGUS_REDIS_URL: c.redisUrl ? maskUrl(c.redisUrl) : "(unset: in-process limiter)",
    ARGUS_WORKERS: c.workers,
    ARGUS_LOG_LEVEL: c.logLevel,
    ARGUS_ACCESS_LOG: c.accessLog,
    ARGUS_USAGE: c.usage,
    ARGUS_METRICS: c.metrics,
    ARGUS_METRICS_TOKEN: c.metricsToken ? "***" : "(unset: loopback only)",
    ARGUS_AUDIT_RETENTION_DAYS: c.auditRetentionDays,
  };
}

const subcommands: Record<string, (args: string[]) => Promise<void>> = {
  async check(args) {
    const { values } = parse(args, {});
    const shown = describeConfig(loadConfig());
    const width = Math.max(...Object.keys(shown).map((k) => k.length));
    emit(values.json, { ok: true, config: shown }, () =>
      ["configuration OK", ...Object.entries(shown).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join("\n"),
    );
  },
};

/** `argus config check`: the server's own validation, without starting it. Errors exit 1 like a bad start. */
export async function configCommand(args: string[]) {
  const [sub, ...rest] = args;
  await lookup(subcommands, sub, "config subcommand")(rest);
}
