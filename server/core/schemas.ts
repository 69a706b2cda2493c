import { z } from "zod";
import { keyLifecycleFields, keySettings } from "./key-schemas.ts";

// Input and output shapes, defined once and used by both doors (REST validates with them, tRPC too).

/** An ISO-8601 timestamp with a zone (or a plain date, read as UTC midnight), or a Date; never "Tuesday". */
export const isoDate = z
  .union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()], {
    error: "must be an ISO-8601 date-time with a zone, e.g. 2026-02-08T03:00:00.000Z",
  })
  .transform((v) => (v instanceof Date ? v : new Date(v)));

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "must be a valid email address" }).max(254));
export const passwordSchema = z
  .string()
  .min(8, { error: "must be at least 8 characters" })
  .max(256, { error: "must be at most 256 characters" });

// Names are shown in terminals (the CLI), logs and other people's screens: no control characters (ESC starts a
// terminal escape sequence), no line or paragraph separators, no bidi overrides that reorder what is read.
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** A user or key name: 1 to 100 characters after trimming, all printable. */
export const nameSchema = z
  .string()
  .trim()
  .min(1, { error: "must be 1 to 100 characters" })
  .max(100, { error: "must be 1 to 100 characters" })
  .refine((v) => !UNPRINTABLE.test(v), { error: "must not contain control characters" });

export const registerInput = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: nameSchema.nullish(),
});
export const loginInput = z.object({ email: emailSchema, password: z.string().min(1).max(256) });
/** After a compromise: also revoke every API key of the caller (a key minted with a stolen session outlives it). */
const revokeKeys = z.boolean().nullish();
// Strict, like every key setting: a misspelt `revokeKeys` would otherwise be dropped and leave the keys live.
export const changePasswordInput = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: passwordSchema,
  revokeKeys,
}).strict();
export const logoutAllInput = z.object({ revokeKeys }).strict();

export const roleSchema = z.enum(["user", "admin"]);
export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: roleSchema,
  isActive: z.boolean(),
  createdAt: z.date(),
});
export const sessionSchema = z.object({ token: z.string(), expiresAt: z.date(), user: userSchema });

export const idParam = z.object({ id: z.string().min(1).max(100) });

// `?limit=` with no value means the default, not zero.
const limitParam = (byDefault = 20) =>
  z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(100).default(byDefault));
const boolParam = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);
export const pageInput = z.object({ limit: limitParam(), cursor: z.string().max(500).nullish() });
// A user's own keys: pages of up to 100 and 100 by default, so within the default cap one page holds them all.
// includeRevoked also lists rolled keys whose overlap has ended.
export const keysQuery = z.object({
  limit: limitParam(100), cursor: z.string().max(500).nullish(), includeRevoked: boolParam.nullish(),
});

export const scopeSchema = z.enum(["articles:read", "articles:write"]);
export type Scope = z.infer<typeof scopeSchema>;

// Strict: a misspelt `allowedIps` or `expiresAt` would otherwise mint, without a word, a key with no fence or no end.
export const createKeyInput = z.object({
  name: nameSchema,
  expiresAt: isoDate.nullish(),
  scopes: z.array(scopeSchema).min(1).max(2).nullish(),
  ...keySettings,
}).strict();

export const keyRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  keyPrefix: z.string(),
  lastFour: z.string(),
  isActive: z.boolean(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  expiresAt: z.date().nullable(),
  scopes: z.array(scopeSchema),
  rateLimit: z.number().int().nullable(),
  ...keyLifecycleFields,
});
export const createdKeySchema = keyRecordSchema.extend({ key: z.string() });
/** A roll's answer: the new key (shown once) and the old one's record, now ending at its expiresAt. */
export const rolledKeySchema = createdKeySchema.extend({ previous: keyRecordSchema });
export const adminKeyRecordSchema = keyRecordSchema.extend({ userId: z.string(), userEmail: z.string() });

export const adminKeysQuery = pageInput.extend({
  userId: z.string().max(100).nullish(), isActive: boolParam.nullish(), includeRevoked: boolParam.nullish(),
});
// A patch that sets nothing is a mistake, not a no-op: `{}` or (over superjson) `{ isActive: undefined }` is a 400.
// Each field: absent = unchanged, null = cleared.
const setsSomething = (patch: Record<string, unknown>) => Object.values(patch).some((v) => v !== undefined);
export const adminKeyUpdate = z
  .object({
    isActive: z.boolean().optional(),
    rateLimit: z.number().int().min(1).max(100_000).nullable().optional(),
    meta: keySettings.meta.optional(),
    allowedIps: keySettings.allowedIps.optional(),
    quota: keySettings.quota.optional(),
  })
  .strict()
  .refine(setsSomething, { error: "must set isActive, rateLimit, meta, allowedIps or quota" });
/** A user's ceiling over all their keys, per minute (null = the server default). */
export const userRateLimit = z.number().int().min(1).max(1_000_000).nullable().optional();
export const adminUsersQuery = pageInput.extend({ role: roleSchema.nullish(), isActive: boolParam.nullish() });
export const adminUserUpdate = z
  .object({ role: roleSchema.optional(), isActive: z.boolean().optional(), rateLimit: userRateLimit })
  .strict()
  .refine(setsSomething, { error: "must set role, isActive or rateLimit" });
/** A user as admins see it: with the ceiling over all their keys (null = ARGUS_USER_RATE_LIMIT_PER_MINUTE). */
export const adminUserSchema = userSchema.extend({ rateLimit: z.number().int().nullable() });

export type RegisterInput = z.infer<typeof registerInput>;
export type User = z.infer<typeof userSchema>;
export type AdminUser = z.infer<typeof adminUserSchema>;
export type KeyRecord = z.infer<typeof keyRecordSchema>;
export type AdminKeyRecord = z.infer<typeof adminKeyRecordSchema>;
