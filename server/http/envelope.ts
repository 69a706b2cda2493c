import { z } from "@hono/zod-openapi";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Context } from "hono";
import { AppError, errorStatus, type ErrorCode } from "../errors.ts";

export const errorEnvelope = z.object({
  success: z.literal(false),
  error: z.string(),
  code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
  details: z.unknown().optional(),
  retryAfter: z.number().int().optional(),
});

export const okEnvelope = <T extends z.ZodType>(data: T) =>
  z.object({ success: z.literal(true), data, message: z.string().optional(), meta: z.record(z.string(), z.unknown()).optional() });

/** A JSON body declaration for createRoute. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** Success and the common failure responses for createRoute. */
export function responses<T extends z.ZodType, S extends 200 | 201>(data: T, description: string, status: S = 200 as S) {
  const failure = (d: string) => ({ description: d, content: { "application/json": { schema: errorEnvelope } } });
  return {
    [status]: { description, content: { "application/json": { schema: okEnvelope(data) } } },
    400: failure("Invalid input"),
    401: failure("Missing or invalid credentials"),
    403: failure("Not allowed"),
    404: failure("Not found"),
    429: failure("Rate limited"),
  } as { [K in S]: { description: string; content: { "application/json": { schema: ReturnType<typeof okEnvelope<T>> } } } } & {
    [K in 400 | 401 | 403 | 404 | 429]: ReturnType<typeof failure>;
  };
}

/** The error envelope of an AppError. */
export function errorBody(err: AppError): z.infer<typeof errorEnvelope> {
  const body: z.infer<typeof errorEnvelope> = { success: false, error: err.message, code: err.code };
  if (err.details !== undefined) body.details = err.details;
  if (err.retryAfter !== undefined) body.retryAfter = err.retryAfter;
  return body;
}

export function fail(c: Context, err: AppError) {
  if (err.retryAfter !== undefined) c.header("Retry-After", String(err.retryAfter));
  return c.json(errorBody(err), err.status as ContentfulStatusCode);
}
