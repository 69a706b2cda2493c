import { AppError, type ErrorCode } from "../errors.ts";
import { describeError } from "../logger.ts";
import type { FileIdentity } from "../../db/identity.ts";
import type { JobError } from "./jobs.ts";

export type Role = "writer" | "reader";
export type ToThread =
  | { type: "init"; file: string; role: Role; identity: FileIdentity | null }
  | { type: "job"; id: number; name: string; args: unknown; at: number }
  | { type: "close" };
export type Outcome = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: JobError };
export type FromThread = { type: "ready" } | { type: "done"; outcomes: Outcome[] } | { type: "closed" };

/** A thrown value as it can cross threads. */
export function toJobError(e: unknown): JobError {
  if (e instanceof AppError) return { kind: "app", code: e.code, message: e.message, details: e.details, retryAfter: e.retryAfter };
  if (e instanceof Error && (e as { code?: string }).code === "SQLITE_BUSY") return { kind: "busy" };
  return { kind: "internal", ...describeError(e) };
}

/** Back on the calling thread: the AppError the job threw, a 503 for a lock held too long, or an opaque Error. */
export function fromJobError(e: JobError): Error {
  if (e.kind === "app") return new AppError(e.code as ErrorCode, e.message, e.details, e.retryAfter);
  if (e.kind === "busy") return new AppError("SERVICE_UNAVAILABLE", "The database is busy, try again shortly", undefined, 1);
  if (e.kind === "replaced") {
    return new AppError("SERVICE_UNAVAILABLE", "The database file was deleted or replaced; writes are refused until Argus is restarted", undefined, 60);
  }
  const err = new Error(`database job failed: ${e.message}`);
  err.name = e.error;
  return err;
}
