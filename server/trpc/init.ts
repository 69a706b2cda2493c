import { initTRPC, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { admitKey, settleKey, type Admission } from "../auth/key-admission.ts";
import { requireAdmin, requireAuth, requireJwt, requireScope, type Principal } from "../auth/principal.ts";
import type { Core } from "../core/index.ts";
import type { Scope } from "../core/schemas.ts";
import { AppError, issueDetails } from "../errors.ts";
import { transformer } from "./transformer.ts";

export type Context = {
  core: Core;
  principal: Principal | null;
  /** A credential that failed to resolve: raised by procedures that need one, ignored by public ones. */
  authError: AppError | null;
  clientIp: string;
  /** The rate-limit and quota headers of the latest key charge in this request (settling may update them). */
  rate: { headers?: Record<string, string> };
  /** List items this request may still return, the turn its next list call waits for (see `page`), usage points so far. */
  batch?: { itemsLeft: number; lane: Promise<unknown>; points?: number };
  /** Tells the access log why the request failed (set by the HTTP mount; absent for in-process callers). */
  noteFailure?: (failure: { code: string; reason: string }) => void;
};

const trpcCode = {
  BAD_REQUEST: "BAD_REQUEST", UNAUTHORIZED: "UNAUTHORIZED", FORBIDDEN: "FORBIDDEN", NOT_FOUND: "NOT_FOUND",
  METHOD_NOT_ALLOWED: "METHOD_NOT_SUPPORTED", CONFLICT: "CONFLICT", PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE", TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS", INTERNAL: "INTERNAL_SERVER_ERROR",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE", IP_NOT_ALLOWED: "FORBIDDEN", QUOTA_EXCEEDED: "TOO_MANY_REQUESTS",
} as const;

/**
 * The context type the router is built with, and so what `AppRouter` says about it: opaque on purpose. The
 * published client carries AppRouter's type, and the real Context holds the whole Core (db, drizzle, Bun); every
 * procedure starts with `mapErrors`, which hands the real type on.
 */
export type RouterContext = object;

const t = initTRPC.context<RouterContext>().create({
  transformer,
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause instanceof AppError ? error.cause : undefined;
    // Input validation failures (zod, via Standard Schema) list their fields like the REST door does.
    const issues = (error.cause as { issues?: unknown } | undefined)?.issues;
    const details = cause?.details ?? (Array.isArray(issues) ? issueDetails(issues) : undefined);
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    return {
      ...shape,
      message: internal ? "Internal server error" : Array.isArray(issues) ? "Validation failed" : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        retryAfter: cause?.retryAfter,
        // The REST envelope's code where it says more than the tRPC one (IP_NOT_ALLOWED is a FORBIDDEN).
        appCode: cause?.code,
        details,
      },
    };
  },
});

export const router = t.router;

/**
 * For `next({ ctx: unchanged<T>() })`: hands the same context object on, typed as T. tRPC copies the context (a
 * spread of every property) whenever a middleware passes one; these middleware only narrow its type, and the
 * object they would pass holds the very same values (mapErrors: the real Context; gate: the principal it checked).
 */
const unchanged = <T>() => undefined as unknown as T;

/** Core's AppError as the tRPC error with the matching code (and so the matching HTTP status). */
export const toTrpc = (cause: AppError) => new TRPCError({ code: trpcCode[cause.code], message: cause.message, cause });

/** Core's AppError becomes the tRPC error with the matching code (and so the matching HTTP status). */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next({ ctx: unchanged<Context>() });
  if (!result.ok && result.error.cause instanceof AppError) throw toTrpc(result.error.cause);
  return result;
});

/**
 * Each call authenticated by a key is admitted as a REST request is (auth/key-admission.ts): a token and a quota
 * unit spent, a refusal counted and thrown; every call inside a batch too. Null for other principals.
 */
async function chargeKey(ctx: Context): Promise<Admission | null> {
  const p = ctx.principal;
  if (p?.via !== "apiKey") return null;
  const admission = await admitKey(ctx.core, p);
  ctx.rate.headers = admission.headers;
  if (admission.refused) throw admission.refused;
  return admission;
}

/**
 * The HTTP status a call's error answers with, as settleKey reads a REST answer's: an AppError's own, also where a
 * failed step's result wraps it in a TRPCError.
 */
function statusOf(e: unknown): number {
  const cause = e instanceof TRPCError ? e.cause : e;
  if (cause instanceof AppError) return cause.status;
  return e instanceof TRPCError ? getHTTPStatusCodeFromError(e) : 500;
}

export const publicProcedure = t.procedure.use(mapErrors);

/**
 * The REST door's order: a procedure that takes keys charges the key first, then applies its rule (so a call
 * refused for a missing scope still spends a token); a JWT-only one refuses a key without charging it.
 * It also does mapErrors' work, in the same step rather than a middleware of its own (tRPC copies its options
 * at every step of every call).
 */
const gate = (check: (p: Principal | null) => Principal, opts: { keys: boolean }) =>
  t.procedure.use(async ({ ctx: given, next }) => {
    const ctx = given as Context;
    try {
      if (ctx.authError) throw ctx.authError;
      const admission = opts.keys ? await chargeKey(ctx) : null;
      // Each call a key was admitted for counts in its usage by how it ended (a missing scope is `forbidden`), and
      // a call that fails gives its quota unit back.
      const settle = async (e?: unknown) => admission && (await settleKey(ctx.core, ctx.principal!, admission, e === undefined ? 200 : statusOf(e)));
      let result;
      try {
        check(ctx.principal); // returns ctx.principal itself, or throws
        result = await next({ ctx: unchanged<Context & { principal: Principal }>() });
      } catch (e) {
        await settle(e);
        throw e;
      }
      await settle(result.ok ? undefined : result.error);
      if (!result.ok && result.error.cause instanceof AppError) throw result.error.cause;
      return result;
    } catch (e) {
      throw e instanceof AppError ? toTrpc(e) : e;
    }
  });

export const authedProcedure = gate(requireAuth, { keys: true });
export const jwtProcedure = gate(requireJwt, { keys: false });
export const adminProcedure = gate(requireAdmin, { keys: false });
export const scopedProcedure = (scope: Scope) => gate((p) => requireScope(p, scope), { keys: true });

/** Every paged procedure answers `{ items, nextCursor, hasMore }`, so useInfiniteQuery can follow `nextCursor`. */
export const flatPage = <T>({ items, meta }: { items: T[]; meta: { nextCursor: string | null; hasMore: boolean } }) => ({
  items,
  ...meta,
});

/**
 * How many list items one HTTP request may carry, over all the calls of a tRPC batch: fifty pages of a hundred
 * would be one answer of thousands of records, serialized in one go on the serving thread, where the same fifty
 * REST requests are answered one at a time (issue 9). Past the budget a list answers a page of one, with
 * `hasMore` and `nextCursor` as usual, so a client that follows cursors still gets everything.
 */
export const BATCH_ITEM_BUDGET = 500;

/**
 * Runs one list call of a request: the list calls of a batch take turns, each after a pass of the event loop (so
 * other requests are served between them, as between the same REST requests, and a batch of searches does not
 * queue fifty at the reader thread at once), and share the batch's item budget.
 */
export function page<Q extends { limit: number }, T>(ctx: Context, input: Q, list: (q: Q) => Promise<Paged<T>> | Paged<T>) {
  const batch = ctx.batch;
  if (!batch) return Promise.resolve(list(input)).then(flatPage);
  const run = async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const limit = Math.max(1, Math.min(input.limit, batch.itemsLeft));
    const result = await list(limit === input.limit ? input : { ...input, limit });
    batch.itemsLeft = Math.max(0, batch.itemsLeft - result.items.length);
    return flatPage(result);
  };
  const turn = batch.lane.then(run);
  batch.lane = turn.catch(() => {});
  return turn;
}
type Paged<T> = { items: T[]; meta: { nextCursor: string | null; hasMore: boolean } };
