import type { Db } from "../../db/client.ts";
import { articleById, latestArticles, listArticles } from "../core/stores/article-reads.ts";
import { deleteArticle, upsertArticles, upsertArticlesJson } from "../core/stores/article-writes.ts";
import { auditPage } from "../core/stores/audit-reads.ts";
import { pruneEvents, recordEvent } from "../core/stores/audit-writes.ts";
import { reportLeak, rollKey } from "../core/stores/key-lifecycle-writes.ts";
import { deleteKey, insertKey, revokeAllKeys, revokeKey, touchKeys, updateKey } from "../core/stores/key-writes.ts";
import { leaseQuota, refundQuota } from "../core/stores/quota-writes.ts";
import { adminUpdateUser, insertUser, updateUser } from "../core/stores/user-writes.ts";
import { usageTotals } from "../core/stores/usage-reads.ts";
import { addUsage, pruneUsage } from "../core/stores/usage-writes.ts";

// The jobs the database threads run: small, typed, named. Their arguments and results cross threads by
// structured clone (Dates survive), so they are plain data. Core services call them through DbWork.

export const writeJobs = {
  "users.insert": insertUser,
  "users.update": updateUser,
  "users.adminUpdate": adminUpdateUser,
  "keys.insert": insertKey,
  "keys.revoke": revokeKey,
  "keys.revokeAll": revokeAllKeys,
  "keys.update": updateKey,
  "keys.delete": deleteKey,
  "keys.touch": touchKeys,
  "keys.roll": rollKey,
  "keys.reportLeak": reportLeak,
  "quota.lease": leaseQuota,
  "quota.refund": refundQuota,
  "articles.upsert": (db: Db, args: Parameters<typeof upsertArticles>[1]) => upsertArticles(db.$client, args),
  "articles.upsertJson": (db: Db, args: Parameters<typeof upsertArticlesJson>[1]) => upsertArticlesJson(db.$client, args),
  "articles.delete": deleteArticle,
  "audit.record": recordEvent,
  "audit.prune": pruneEvents,
  "usage.add": addUsage,
  "usage.prune": pruneUsage,
} satisfies Record<string, (db: Db, args: any) => unknown>;

export const readJobs = {
  "articles.list": (db: Db, q: Parameters<typeof listArticles>[1]) => listArticles(db.$client, q),
  "articles.latest": (db: Db, args: { limit: number }) => latestArticles(db.$client, args.limit),
  "articles.byId": (db: Db, args: { id: string }) => articleById(db.$client, args.id),
  "usage.totals": (db: Db, q: Parameters<typeof usageTotals>[1]) => usageTotals(db.$client, q),
  "audit.list": auditPage,
} satisfies Record<string, (db: Db, args: any) => unknown>;

export type WriteJobs = typeof writeJobs;
export type ReadJobs = typeof readJobs;
type Jobs = WriteJobs & ReadJobs;
export type JobArgs<K extends keyof Jobs> = Parameters<Jobs[K]>[1];
export type JobResult<K extends keyof Jobs> = ReturnType<Jobs[K]>;

/** An error as it crosses from a database thread: core's AppError keeps its code, a lock timeout says so. */
export type JobError =
  | { kind: "app"; code: string; message: string; details?: unknown; retryAfter?: number }
  | { kind: "busy" }
  | { kind: "replaced" }
  | { kind: "internal"; error: string; message: string };
