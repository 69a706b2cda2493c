import { TRPCError, type AnyTRPCProcedure, type AnyTRPCRouter } from "@trpc/server";
import {
  getErrorShape, getHTTPStatusCode, getTRPCErrorFromUnknown, transformTRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";
import type { Context as HonoContext } from "hono";
import { isShared } from "../core/shared-values.ts";
import { AppError } from "../errors.ts";
import { jsonAnswer } from "../http/frame.ts";
import type { AppEnv } from "../http/env.ts";
import { callProcedure } from "./call.ts";
import { toTrpc, type Context } from "./init.ts";

/** responseMeta with its headers as a record (appended to the answer's as the adapter appends them). */
type Meta = (opts: { ctx?: unknown; errors: TRPCError[]; paths?: string[]; type: string; data: unknown[]; eagerGeneration: boolean }) =>
  { headers?: Record<string, string>; status?: number };
type OnError = (opts: { error: TRPCError; path?: string; input: unknown; ctx?: unknown; type: string; req: Request }) => void;

export type DirectOptions = {
  router: AnyTRPCRouter;
  endpoint: string;
  maxBatchSize: number;
  createContext: (c: HonoContext<AppEnv>) => Promise<Context>;
  answerMeta: Meta;
  onError: OnError;
};

type Call = { path: string; procedure: AnyTRPCProcedure };

/**
 * How one call's answer is written, for the fast path's hot tRPC queries (http/fast-path.ts), which decide the call
 * themselves: the result's text, or a failure's text, status, Retry-After and the failure the access log notes,
 * exactly as answer() below writes them for the same outcome.
 */
export type CallFormat = {
  ok(data: unknown): string;
  failed(cause: unknown, req: Request): CallFailure;
  extra: readonly [string, string][];
  /** answer() settles the calls before it writes their results; a result it cannot write rejects the answer. */
  writesAfterSettling: true;
};
export type CallFailure = { status: number; text: string; retryAfter?: number; failure: { code: string; reason: string } };

const VARY: [string, string] = ["vary", "trpc-accept, accept"];

/**
 * GET queries (`/trpc/a.b[,c.d…][?batch=1][&input=…]`) answered without the fetch adapter: the steps tRPC's
 * resolveResponse takes for them (one context, every call started at once with its middleware, getErrorShape,
 * the status from getHTTPStatusCode, responseMeta's headers, `Vary`), without its generic URL and request
 * parsing, abort controllers and header copies, and with the frame's headers built in one go. Anything else
 * (mutations, an unknown procedure, other query parameters, a content type, streaming accept headers, an
 * oversized batch) returns null and @hono/trpc-server answers it. tests/trpc/direct.test.ts compares the two.
 */
export function directQueries(opts: DirectOptions) {
  const { router, endpoint } = opts;
  const config = router._def._config;
  const prefix = `${endpoint}/`;
  const texts = new WeakMap<object, string>();
  const batchTexts = new WeakMap<object, string>();
  const queries = new Map<string, AnyTRPCProcedure>();
  for (const [path, procedure] of Object.entries(router._def.procedures as Record<string, AnyTRPCProcedure>)) {
    if (procedure._def.type === "query") queries.set(path, procedure);
  }

  const direct = (c: HonoContext<AppEnv>): Promise<Response> | null => {
    const req = c.req.raw;
    const headers = req.headers;
    if (req.method !== "GET" || !c.req.path.startsWith(prefix)) return null;
    if (headers.has("content-type") || headers.has("trpc-accept") || headers.get("accept")?.includes("jsonl")) return null;
    let input: string | null = null;
    let batch = false;
    const at = req.url.indexOf("?");
    if (at >= 0) {
      const hash = req.url.indexOf("#", at); // a fragment (a raw client's; Bun keeps it) is no part of the query
      const params = new URLSearchParams(req.url.slice(at + 1, hash < 0 ? undefined : hash));
      for (const [name, value] of params) {
        if (name === "batch" && value === "1") batch = true;
        else if (name !== "input") return null;
      }
      input = params.get("input");
    }
    const paths = batch ? c.req.path.slice(prefix.length).split(",") : [c.req.path.slice(prefix.length)];
    if (paths.length > opts.maxBatchSize) return null;
    const calls: Call[] = [];
    for (const path of paths) {
      const procedure = queries.get(path);
      if (!procedure) return null;
      calls.push({ path, procedure });
    }
    return answer(c, req, calls, batch, input);
  };

  async function answer(c: HonoContext<AppEnv>, req: Request, calls: Call[], batch: boolean, input: string | null) {
    let ctx: (Context & { env: unknown }) | undefined;
    let ctxError: TRPCError | undefined;
    try {
      ctx = Object.assign(await opts.createContext(c), { env: c.env }); // the adapter adds env too (by a copy)
    } catch (cause) {
      ctxError = getTRPCErrorFromUnknown(cause);
    }
    // The inputs as resolveResponse reads them: parsed once, on first use, each call's deserialized; `inputs` is
    // what call.result() gives (nothing when parsing failed).
    let inputs: Record<number, unknown> | undefined;
    let parsing: Promise<Record<number, unknown>> | undefined;
    const readInputs = () =>
      (parsing ??= (async () => {
        const raw: unknown = input ? JSON.parse(input) : undefined;
        const out: Record<number, unknown> = Object.create(null);
        if (raw !== undefined && !batch) out[0] = config.transformer.input.deserialize(raw);
        if (raw !== undefined && batch) {
          if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
            throw new TRPCError({ code: "BAD_REQUEST", message: '"input" needs to be an object when doing a batch call' });
          }
          for (const index of calls.keys()) {
            const value = (raw as Record<number, unknown>)[index];
            if (value !== undefined) out[index] = config.transformer.input.deserialize(value);
          }
        }
        return (inputs = out);
      })().catch((cause) => {
        // As tRPC's memo does: a failure to read the input is the caller's (400), with its message.
        if (cause instanceof TRPCError) throw cause;
        throw new TRPCError({ code: "BAD_REQUEST", message: cause instanceof Error ? cause.message : "Invalid input", cause });
      }));

    const settle = async ({ path, procedure }: Call, index: number): Promise<[TRPCError | undefined, unknown]> => {
      try {
        if (ctxError) throw ctxError;
        const getRawInput = async () => (await readInputs())[index];
        return [undefined, await callProcedure(procedure, { path, getRawInput, ctx, type: "query", signal: req.signal, batchIndex: index })];
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        opts.onError({ error, path, input: inputs?.[index], ctx, type: "query", req });
        return [error, undefined];
      }
    };
    // Every call starts at once, as in resolveResponse.
    const results = calls.length === 1 ? [await settle(calls[0]!, 0)] : await Promise.all(calls.map(settle));
    const bodies = results.map(([error, data], index) =>
      error
        ? { error: getErrorShape({ config, ctx, error, input: inputs?.[index], path: calls[index]!.path, type: "query" }) }
        : { result: { data } },
    );
    const errors = results.map(([error]) => error);
    const meta = opts.answerMeta({
      ctx, paths: calls.map((call) => call.path), data: bodies, errors: errors.filter((e) => e !== undefined),
      eagerGeneration: false, type: "query",
    });
    const extra: [string, string][] = [VARY];
    if (meta.headers) for (const name in meta.headers) extra.push([name, meta.headers[name]!]);
    const failed = errors.some((e) => e !== undefined);
    const status = meta.status || (failed ? getHTTPStatusCode(bodies as never, errors as never) : 200);
    return jsonAnswer(c, bodyText(bodies, batch), status, extra);
  }

  /**
   * The format of one call to `path`, single or as a batch of one: what answer() writes when that call returns
   * `data`, or fails with `cause` (reported to onError as settle() reports it; the failure noted as answerMeta notes
   * it; Retry-After as answerMeta adds it when the rate-limit headers have none).
   */
  function format(path: string, batch: boolean): CallFormat {
    return {
      ok: (data) => bodyText([{ result: { data } }], batch),
      failed(cause, req) {
        const error = cause instanceof AppError ? toTrpc(cause) : getTRPCErrorFromUnknown(cause);
        opts.onError({ error, path, input: undefined, ctx: undefined, type: "query", req });
        const body = { error: getErrorShape({ config, ctx: undefined, error, input: undefined, path, type: "query" }) };
        const app = error.cause instanceof AppError ? error.cause : undefined;
        return {
          status: getHTTPStatusCode([body] as never, [error] as never),
          text: bodyText([body], batch),
          retryAfter: app?.retryAfter ? app.retryAfter : undefined,
          failure: { code: app?.code ?? error.code, reason: app?.message ?? error.code },
        };
      },
      extra: [VARY],
      writesAfterSettling: true,
    };
  }

  return { direct, format };

  /** The answer's JSON; for one call whose data is shared (a cached feed page), made once per value and shape. */
  function bodyText(bodies: unknown[], batch: boolean): string {
    const text = (value: unknown) => JSON.stringify(transformTRPCResponse(config, value as never));
    if (bodies.length !== 1) return text(bodies);
    const only = bodies[0] as { result?: { data: unknown } };
    const data = only.result?.data;
    if (!isShared(data)) return text(batch ? bodies : only);
    const memo = batch ? batchTexts : texts;
    let hit = memo.get(data);
    if (hit === undefined) memo.set(data, (hit = text(batch ? bodies : only)));
    return hit;
  }
}
