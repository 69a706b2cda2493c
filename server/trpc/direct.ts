import { TRPCError, type AnyTRPCProcedure, type AnyTRPCRouter } from "@trpc/server";
import {
  getErrorShape, getHTTPStatusCode, getTRPCErrorFromUnknown, transformTRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";
import type { Context as HonoContext } from "hono";
import { isShared } from "../core/shared-values.ts";
import { jsonAnswer } from "../http/frame.ts";
import type { AppEnv } from "../http/env.ts";
import { callProcedure } from "./call.ts";
import type { Context } from "./init.ts";

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
  const queries = new Map<string, AnyTRPCProcedure>();
  for (const [path, procedure] of Object.entries(router._def.procedures as Record<string, AnyTRPCProcedure>)) {
    if (procedure._def.type === "query") queries.set(path, procedure);
  }

  return (c: HonoContext<AppEnv>): Promise<Response> | null => {
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
    const extra: [string, string][] = [["vary", "trpc-accept, accept"]];
    if (meta.headers) for (const pair of Object.entries(meta.headers)) extra.push(pair);
    const failed = errors.some((e) => e !== undefined);
    const status = meta.status || (failed ? getHTTPStatusCode(bodies as never, errors as never) : 200);
    return jsonAnswer(c, bodyText(bodies, batch), status, extra);
  }

  /** The answer's JSON; for one call whose data is shared (a cached feed page), made once per value. */
  function bodyText(bodies: unknown[], batch: boolean): string {
    if (batch) return JSON.stringify(transformTRPCResponse(config, bodies as never));
    const only = bodies[0] as { result?: { data: unknown } };
    const data = only.result?.data;
    if (!isShared(data)) return JSON.stringify(transformTRPCResponse(config, only as never));
    let text = texts.get(data);
    if (text === undefined) texts.set(data, (text = JSON.stringify(transformTRPCResponse(config, only as never))));
    return text;
  }
}
