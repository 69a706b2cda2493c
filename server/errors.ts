export const errorStatus = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  IP_NOT_ALLOWED: 403,
  QUOTA_EXCEEDED: 429,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** The one error type core throws; both doors translate it (REST envelope, tRPC error). */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status() {
    return errorStatus[this.code];
  }
}

export const unauthorized = (message = "Authentication required") => new AppError("UNAUTHORIZED", message);
export const forbidden = (message = "Forbidden") => new AppError("FORBIDDEN", message);
export const notFound = (message = "Not found") => new AppError("NOT_FOUND", message);
export const conflict = (message: string) => new AppError("CONFLICT", message);
export const badRequest = (message: string, details?: unknown) => new AppError("BAD_REQUEST", message, details);
export const serviceUnavailable = (retryAfter: number, message = "The server is busy, try again shortly") =>
  new AppError("SERVICE_UNAVAILABLE", message, undefined, retryAfter);
export const tooManyRequests = (retryAfter: number, message = "Too many requests") =>
  new AppError("TOO_MANY_REQUESTS", message, undefined, retryAfter);

/** Validation issues (zod / Standard Schema) as `details`: one entry per field. */
export const issueDetails = (issues: readonly { path?: readonly PropertyKey[] | readonly unknown[]; message: string }[]) =>
  issues.map((i) => ({
    field: (i.path ?? []).map((p) => String(typeof p === "object" && p !== null && "key" in p ? p.key : p)).join(".") || "(body)",
    message: i.message,
  }));
