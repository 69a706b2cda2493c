import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "./router.ts";

/** The tRPC error codes the Argus server sends, plus what a failure without a server answer is. */
export type ArgusErrorCode =
  | "BAD_REQUEST" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "METHOD_NOT_SUPPORTED" | "CONFLICT"
  | "PAYLOAD_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE" | "TOO_MANY_REQUESTS" | "SERVICE_UNAVAILABLE" | "INTERNAL_SERVER_ERROR"
  /** The caller aborted the call (its AbortSignal fired). */
  | "CLIENT_CLOSED_REQUEST"
  /** No tRPC answer at all: the server was unreachable, or something not tRPC answered. */
  | "NETWORK_ERROR";

/**
 * What every Argus client call rejects with. Still a `TRPCClientError` (so `isTRPCClientError` and tRPC
 * tooling keep working), with the fields callers branch on lifted to the top.
 */
export class ArgusError extends TRPCClientError<AppRouter> {
  /** The tRPC error code, e.g. "UNAUTHORIZED". */
  readonly code: ArgusErrorCode;
  /** The HTTP status the server answered with, when it answered. */
  readonly status?: number;
  /** Seconds to wait before trying again, on TOO_MANY_REQUESTS. */
  readonly retryAfter?: number;
  /** Field-level validation details, on BAD_REQUEST. */
  readonly details?: { field: string; message: string }[];

  constructor(from: TRPCClientError<AppRouter>) {
    super(from.message, { result: from.shape ? { error: from.shape } : undefined, cause: from.cause, meta: from.meta });
    // TRPCClientError's constructor pins its own prototype, which would hide this subclass.
    Object.setPrototypeOf(this, ArgusError.prototype);
    this.name = "ArgusError";
    const data = from.data as { code?: string; httpStatus?: number; retryAfter?: number; details?: unknown } | undefined;
    this.code = (data?.code as ArgusErrorCode | undefined) ?? (isAbort(from) ? "CLIENT_CLOSED_REQUEST" : "NETWORK_ERROR");
    this.status = data?.httpStatus;
    this.retryAfter = data?.retryAfter ?? retryAfterHeader(from.meta);
    this.details = Array.isArray(data?.details) ? (data.details as ArgusError["details"]) : undefined;
    this.stack = from.stack;
  }
}

const isAbort = (e: Error | undefined): boolean =>
  !!e && (e.name === "AbortError" || isAbort(e.cause instanceof Error ? e.cause : undefined));

/** Retry-After in seconds from the HTTP response tRPC kept in `meta`, if any. */
export function retryAfterHeader(meta: Record<string, unknown> | undefined): number | undefined {
  const response = meta?.response as { headers?: { get(name: string): string | null } } | undefined;
  const value = response?.headers?.get("retry-after");
  if (value == null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(value); // the HTTP-date form
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Any error from an Argus call (or anything else thrown) as an ArgusError. */
export function toArgusError(e: unknown): ArgusError {
  if (e instanceof ArgusError) return e;
  return new ArgusError(e instanceof TRPCClientError ? e : TRPCClientError.from(e instanceof Error ? e : new Error(String(e))));
}
