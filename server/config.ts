import { z } from "zod";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  ARGUS_DATA_DIR: z.string().min(1).default("./data"),
  ARGUS_JWT_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s) >= 32, "must be at least 32 bytes")
    .optional(),
  ARGUS_ADMIN_EMAIL: z.email().optional(),
  ARGUS_ADMIN_PASSWORD: z.string().min(8).max(256).optional(),
  ARGUS_ALLOW_REGISTRATION: bool.default(true),
  ARGUS_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(100),
  ARGUS_SIGNUP_LIMIT_PER_HOUR: int(0, 100_000).default(5),
  ARGUS_HASH_QUEUE_MAX: int(1, 100_000).default(64),
  ARGUS_MAX_KEYS_PER_USER: int(1, 100_000).default(100),
  ARGUS_USER_RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(1000),
  ARGUS_TRUST_PROXY: bool.default(false),
  ARGUS_REDIS_URL: z.url().optional(),
  ARGUS_WORKERS: int(1, 64).default(1),
  ARGUS_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  ARGUS_ACCESS_LOG: bool.default(true),
  ARGUS_USAGE: bool.default(true),
  ARGUS_METRICS: bool.default(true),
  ARGUS_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").max(256).optional(),
  ARGUS_AUDIT_RETENTION_DAYS: int(0, 36_500).default(365),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  jwtSecret?: string;
  adminEmail?: string;
  adminPassword?: string;
  allowRegistration: boolean;
  rateLimitPerMinute: number;
  /** Sign-up attempts per client address per hour; 0 = unlimited. */
  signupLimitPerHour: number;
  /** Password hashes/verifications that may wait for a core; past it, 503. */
  hashQueueMax: number;
  /** Unrevoked keys one account may hold. */
  maxKeysPerUser: number;
  /** Default ceiling over all of one user's keys, per minute; 0 = none (a user's own ceiling still applies). */
  userRateLimitPerMinute: number;
  trustProxy: boolean;
  redisUrl?: string;
  workers: number;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** One `info` line per request. */
  accessLog: boolean;
  /** Count each key's requests by outcome (per-key usage). */
  usage: boolean;
  /** Collect Prometheus metrics (served at /metrics to loopback, or to anyone with the token). */
  metrics: boolean;
  metricsToken?: string;
  /** Audit events older than this many days are pruned in the background; 0 = kept for good. */
  auditRetentionDays: number;
};

export class ConfigError extends Error {}

/** Parses the environment; the first bad variable becomes one line naming it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${String(issue.path[0])} ${issue.message}`);
  }
  const e = parsed.data;
  if ((e.ARGUS_ADMIN_EMAIL === undefined) !== (e.ARGUS_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError("Invalid configuration: ARGUS_ADMIN_EMAIL and ARGUS_ADMIN_PASSWORD must be set together");
  }
  if (e.ARGUS_WORKERS > 1 && !e.ARGUS_REDIS_URL) {
    throw new ConfigError("Invalid configuration: ARGUS_WORKERS > 1 requires ARGUS_REDIS_URL, so rate limits stay exact across processes");
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.ARGUS_DATA_DIR,
    jwtSecret: e.ARGUS_JWT_SECRET,
    adminEmail: e.ARGUS_ADMIN_EMAIL,
    adminPassword: e.ARGUS_ADMIN_PASSWORD,
    allowRegistration: e.ARGUS_ALLOW_REGISTRATION,
    rateLimitPerMinute: e.ARGUS_RATE_LIMIT_PER_MINUTE,
    signupLimitPerHour: e.ARGUS_SIGNUP_LIMIT_PER_HOUR,
    hashQueueMax: e.ARGUS_HASH_QUEUE_MAX,
    maxKeysPerUser: e.ARGUS_MAX_KEYS_PER_USER,
    userRateLimitPerMinute: e.ARGUS_USER_RATE_LIMIT_PER_MINUTE,
    trustProxy: e.ARGUS_TRUST_PROXY,
    redisUrl: e.ARGUS_REDIS_URL,
    workers: e.ARGUS_WORKERS,
    logLevel: e.ARGUS_LOG_LEVEL,
    accessLog: e.ARGUS_ACCESS_LOG,
    usage: e.ARGUS_USAGE,
    metrics: e.ARGUS_METRICS,
    metricsToken: e.ARGUS_METRICS_TOKEN,
    auditRetentionDays: e.ARGUS_AUDIT_RETENTION_DAYS,
  };
}

/** Config for tests and embedders: defaults with overrides, no environment read. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), ...overrides };
}
