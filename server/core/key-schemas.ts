import { z } from "zod";
import { canonicalCidr } from "./cidr.ts";

// The shapes of the key lifecycle (issue 13): metadata, allowlists, quotas, rolls, revocation reasons.

export const META_MAX_BYTES = 1024;
export const META_MAX_DEPTH = 3;
export const MAX_ALLOWED_IPS = 50;
export const MAX_GRACE_SECONDS = 30 * 24 * 60 * 60;

// Containers count as levels: { a: 1 } is 1 deep, { a: { b: [1] } } is 3. NaN = not plain JSON (a Date over tRPC).
function depth(v: unknown): number {
  if (v === null || typeof v === "string" || typeof v === "boolean") return 0;
  if (typeof v === "number") return Number.isFinite(v) ? 0 : NaN;
  if (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) {
    return 1 + Math.max(0, ...Object.values(v as object).map(depth));
  }
  return NaN;
}

/** An integration's own labels: a JSON object of at most 1 KB (UTF-8, serialized) and 3 levels. */
export const metaSchema = z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
  // Size first (it bounds the walk below); stringify throws on a BigInt, which is not JSON either.
  let bytes = Infinity;
  try {
    bytes = Buffer.byteLength(JSON.stringify(v));
  } catch {}
  const fail = (message: string) => ctx.addIssue({ code: "custom", message });
  if (bytes > META_MAX_BYTES) return fail(`must be at most ${META_MAX_BYTES} bytes as JSON`);
  const d = depth(v);
  if (Number.isNaN(d)) return fail("must hold only JSON values");
  if (d > META_MAX_DEPTH) fail(`must nest at most ${META_MAX_DEPTH} levels deep`);
});

/** IPv4/IPv6 CIDRs (a bare address is one host), stored canonical and without repeats. */
export const allowedIpsSchema = z
  .array(
    z
      .string()
      .max(64)
      .transform((s, ctx) => canonicalCidr(s) ?? (ctx.addIssue({ code: "custom", message: "must be an IPv4 or IPv6 CIDR, e.g. 203.0.113.0/24" }), z.NEVER)),
  )
  .min(1, { error: "must list at least one CIDR (omit it or send null to allow any address)" })
  .max(MAX_ALLOWED_IPS, { error: `must list at most ${MAX_ALLOWED_IPS} CIDRs` })
  .transform((list) => [...new Set(list)]);

export const quotaSchema = z
  .object({ limit: z.number().int().min(1).max(1_000_000_000), period: z.enum(["day", "month"]) })
  .strict();

/** What a key may carry beyond name, expiry and scopes; set at creation, changed by an admin. */
export const keySettings = {
  meta: metaSchema.nullish(),
  allowedIps: allowedIpsSchema.nullish(),
  quota: quotaSchema.nullish(),
};

export const rollInput = z.object({
  gracePeriodSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).default(0),
}).strict();
export const revokeInput = z.object({ reason: z.string().trim().min(1).max(200).nullish() }).strict();
export const reportLeakInput = z.object({ key: z.string().max(200) }).strict();

/** A key's quota as its record shows it: the setting and where the current period stands. */
export const quotaStateSchema = z.object({
  ...quotaSchema.shape,
  /** Successful requests in the current period (a spend from an older period counts as 0). */
  used: z.number().int(),
  remaining: z.number().int(),
  /** When the current period ends and `used` goes back to 0. */
  resetAt: z.date(),
});

/** The lifecycle fields of every key record. */
export const keyLifecycleFields = {
  meta: z.record(z.string(), z.unknown()).nullable(),
  allowedIps: z.array(z.string()).nullable(),
  quota: quotaStateSchema.nullable(),
  revokedAt: z.date().nullable(),
  revokedReason: z.string().nullable(),
  rotatedTo: z.string().nullable(),
  rotatedFrom: z.string().nullable(),
};

/** The key behind a key principal, as /api/auth/me shows it. */
export const keyIdentitySchema = z.object({
  id: z.string(), name: z.string(), keyPrefix: z.string(), meta: z.record(z.string(), z.unknown()).nullable(),
});
/**
 * Spelled out rather than `z.infer`red: it reaches the published client's types (auth.me of a key), which must not
 * need zod. The check below fails the type-check the moment the two drift apart.
 */
export type KeyIdentity = { id: string; name: string; keyPrefix: string; meta: Record<string, unknown> | null };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type KeyIdentityMatchesSchema = Holds<Same<KeyIdentity, z.infer<typeof keyIdentitySchema>>>;
