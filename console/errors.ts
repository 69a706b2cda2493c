import { TRPCClientError } from "@trpc/client";

/** An error the API answered, in the REST envelope's terms: its sentence, code and (for 429/503) when to retry. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly retryAfter?: number,
    readonly details?: { field: string; message: string }[],
  ) {
    super(message);
  }
}

type TrpcData = { httpStatus?: number; code?: string; retryAfter?: number; details?: ApiError["details"] } | undefined;

export function statusOf(e: unknown): number {
  if (e instanceof ApiError) return e.status;
  if (e instanceof TRPCClientError) return (e.data as TrpcData)?.httpStatus ?? 0;
  return 0;
}

/** What the person sees: the API's own sentence, the fields it names, and when to retry when it says so. */
export function describe(e: unknown): { message: string; retryAfter?: number; details?: ApiError["details"] } {
  if (e instanceof ApiError) return { message: e.message, retryAfter: e.retryAfter, details: e.details };
  if (e instanceof TRPCClientError) {
    const data = e.data as TrpcData;
    if (!data) return { message: "The server could not be reached. Check the connection and try again." };
    return { message: e.message, retryAfter: data.retryAfter, details: data.details };
  }
  return { message: e instanceof Error ? e.message : String(e) };
}
