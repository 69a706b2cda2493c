import type { AnyTRPCProcedure } from "@trpc/server";
import { getTRPCErrorFromUnknown, middlewareMarker, TRPCError } from "@trpc/server/unstable-core-do-not-import";

export type CallOptions = {
  path: string;
  getRawInput: () => Promise<unknown>;
  ctx: unknown;
  type: "query";
  signal: AbortSignal | undefined;
  batchIndex: number;
  input?: unknown;
};
type Step = (opts: Record<string, unknown>) => Promise<StepResult>;
type StepResult = { ok: true; data: unknown } | { ok: false; error: TRPCError };
type NextOptions = { ctx?: object; input?: unknown; getRawInput?: () => Promise<unknown> } | undefined;
type Def = { middlewares: Step[]; meta: unknown; caller?: unknown };

/**
 * Calls a procedure the way tRPC's own caller does (createProcedureCaller and callRecursive in @trpc/server 11):
 * each middleware in order with the call's options, `meta` and `next`, `next` merging the context and taking the
 * input or raw-input getter it is given, a thrown error as a failed result. The options of each step are one object
 * literal where tRPC's build makes them with two transpiled object spreads per step (about a fifth of a small
 * query's time here). tests/trpc/direct.test.ts compares every answer with the adapter's, which calls tRPC's own.
 */
export function callProcedure(procedure: AnyTRPCProcedure, opts: CallOptions): Promise<unknown> {
  const def = procedure._def as unknown as Def;
  if (def.caller) return procedure(opts); // a custom caller (experimental_caller) is tRPC's to honour
  return step(def, 0, opts).then((result) => {
    if (!result) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "No result from middlewares - did you forget to `return next()`?" });
    if (!result.ok) throw result.error;
    return result.data;
  });
}

async function step(def: Def, index: number, o: CallOptions): Promise<StepResult> {
  try {
    return await def.middlewares[index]!({
      ctx: o.ctx, type: o.type, path: o.path, getRawInput: o.getRawInput, signal: o.signal, batchIndex: o.batchIndex,
      meta: def.meta,
      input: o.input,
      next: (n: NextOptions) =>
        step(def, index + 1, {
          ctx: n?.ctx ? { ...(o.ctx as object), ...n.ctx } : o.ctx,
          type: o.type, path: o.path, signal: o.signal, batchIndex: o.batchIndex,
          input: n && "input" in n ? n.input : o.input,
          getRawInput: n?.getRawInput ?? o.getRawInput,
        }),
    });
  } catch (cause) {
    return { ok: false, error: getTRPCErrorFromUnknown(cause), marker: middlewareMarker } as StepResult;
  }
}
