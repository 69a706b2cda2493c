import { Context } from "hono";
import { requireAuth, requireScope, resolvePrincipal, whoAmI, type Principal } from "../auth/principal.ts";
import type { Core } from "../core/index.ts";
import { AppError } from "../errors.ts";
import { describeError } from "../logger.ts";
import { createRecorder, UNMATCHED, type Observed } from "../observability/access-log.ts";
import { createAddressResolver, peerAddress, type AddressSource } from "./clientip.ts";
import type { AppEnv } from "./env.ts";
import { errorBody } from "./envelope.ts";
import { bodyText, jsonResponse } from "./frame.ts";
import { admitKey, settleKey, type Admission } from "../auth/key-admission.ts";
import { healthOf } from "./routes/health.ts";
import type { CallFormat } from "../trpc/direct.ts";

/** The tRPC door's GET-query answerer and call formats (trpc/direct.ts) and its route patterns, from mountTrpc. */
export type TrpcDoor = {
  direct: (c: Context<AppEnv>) => Promise<Response> | null;
  format: (path: string, batch: boolean) => CallFormat;
  route: (path: string) => string | null;
};

type Hot = { auth: boolean; data: (core: Core, p: Principal | null, limit: number) => unknown };

/** The hot GET routes, by exact path, answered as their app routes answer them. */
const HOT = new Map<string, Hot>([
  ["/api/health", { auth: false, data: (core) => healthOf(core) }],
  ["/api/auth/me", { auth: true, data: (_core, p) => whoAmI(requireAuth(p)) }],
  ["/api/v1/articles/latest", { auth: true, data: (core, p, limit) => (requireScope(p, "articles:read"), core.articles.latest(limit)) }],
]);
const LATEST = HOT.get("/api/v1/articles/latest")!;
const DEFAULT_LIMIT = 20;
const PLAIN_LIMIT = /^limit=([1-9]\d?|100)$/;

/**
 * The tRPC procedures that are the same calls as two hot routes: `auth.me` is authedProcedure (requireAuth, keys
 * charged) around whoAmI, `articles.latest` is scopedProcedure("articles:read") around the feed's latest page; their
 * gate (trpc/init.ts) takes the same steps in the same order as the fast path (a credential that failed, the key's
 * charge, the rule, the read, the key's settlement).
 */
const TRPC_HOT: [string, Hot, boolean][] = [["auth.me", HOT.get("/api/auth/me")!, false], ["articles.latest", LATEST, true]];
type HotCall = { hot: Hot; limit: number; batch: boolean; procedure: string };

/**
 * `/trpc/<procedure>?<query>` → the call, for the inputs tRPC's own client sends (superjson, URI-encoded, single or a
 * batch of one): none or undefined, and for `articles.latest` `{}` or a plain `{ limit }`. Any other spelling of the
 * same input is the generic tRPC door's, which reads it as tRPC does.
 */
function hotTrpcCalls(): Map<string, HotCall> {
  const calls = new Map<string, HotCall>();
  const undefinedInput = { json: null, meta: { values: ["undefined"], v: 1 } };
  for (const [procedure, hot, takesLimit] of TRPC_HOT) {
    const inputs: [unknown, number][] = [[undefined, DEFAULT_LIMIT], [undefinedInput, DEFAULT_LIMIT]];
    if (takesLimit) {
      inputs.push([{ json: {} }, DEFAULT_LIMIT]);
      for (let limit = 1; limit <= 100; limit++) inputs.push([{ json: { limit } }, limit]);
    }
    for (const [input, limit] of inputs) {
      const single = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
      const batch = input === undefined ? "?batch=1" : `?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: input }))}`;
      calls.set(`/trpc/${procedure}${single}`, { hot, limit, batch: false, procedure });
      calls.set(`/trpc/${procedure}${batch}`, { hot, limit, batch: true, procedure });
    }
  }
  return calls;
}
const HOT_TRPC = hotTrpcCalls();
/** Whether `/trpc/...?query` is one of the hot calls the fast path decides itself (for the tests). */
export const isHotTrpcCall = (target: string) => HOT_TRPC.has(target);

/** How a door writes a hot route's outcome: the REST envelope here, tRPC's shapes from trpc/direct.ts. */
type Format = Pick<CallFormat, "ok"> & Partial<Pick<CallFormat, "extra" | "writesAfterSettling">> & {
  failed(cause: unknown, req: Request, requestId: string, route: string): Failed;
};
type Failed = { status: number; text: string; retryAfter?: number; error?: AppError; failure?: { code: string; reason: string } };

/**
 * GET /api/health, /api/auth/me and /api/v1/articles/latest without Hono's dispatch and middleware chain: the three
 * routes most requests are, at a few microseconds each (issue 15). It calls what the app calls (resolvePrincipal,
 * admitKey/settleKey, the route's core read) and answers what it answers: the frozen security headers, the request
 * id, the rate-limit and quota headers, the same envelope and errors, the same access-log line and metrics.
 *
 * It takes only requests whose shape is plain: GET (not HEAD), an absolute URL, the exact path, no body, no cookie
 * (the console's session cookie is the app's to judge), and for `latest` no query or a plain `limit=1..100`. Anything
 * else returns null before any side effect, and the app answers it. GET tRPC queries go the same way to
 * trpc/direct.ts. tests/http/fast-path.test.ts holds the two doors to the same answers, and every test that goes
 * through app.request() goes through here.
 */
export function createFastPath(core: Core, requestIds: (incoming: string | undefined) => string, trpc?: TrpcDoor) {
  const { config, logger } = core.deps;
  const address = createAddressResolver(config.trustProxy, logger);
  const record = createRecorder(core);
  const rest: Format = {
    ok: (data) => bodyText({ success: true, data }),
    failed(cause, _req, requestId, route) {
      const error = cause instanceof AppError ? cause : internal(cause, requestId, route);
      return { status: error.status, text: JSON.stringify(errorBody(error)), retryAfter: error.retryAfter, error };
    },
  };
  // A tRPC format per hot call, made on first use.
  const formats = new Map<HotCall, Format>();
  const formatOf = (call: HotCall, door: TrpcDoor): Format => {
    let format = formats.get(call);
    if (!format) formats.set(call, (format = door.format(call.procedure, call.batch)));
    return format;
  };

  /**
   * GET /trpc/... queries: tRPC's own direct door (trpc/direct.ts) on a context made here with what the app's
   * frame would have put in it (core, request id, the client address on first use), instead of Hono's dispatch.
   */
  function trpcQuery(req: Request, server: AddressSource | undefined, path: string, door: TrpcDoor): Promise<Response> | null {
    const started = performance.now();
    const c = new Context(req, { env: server, path }) as Context<AppEnv>;
    const h = req.headers;
    c.set("core", core);
    c.set("principal", null);
    c.set("authenticated", false);
    // The request id and the client address on first use: a query left to the app (null below) takes neither.
    let requestId: string | undefined;
    let ip: string | undefined;
    const honoGet = c.get;
    c.get = ((key: string) =>
      key === "requestId" ? (requestId ??= requestIds(h.get("x-request-id") ?? undefined))
      : key === "clientIp" ? (ip ??= address(h.get("x-forwarded-for"), () => peerAddress(server, req)))
      : honoGet(key as never)) as typeof honoGet;
    const pending = door.direct(c); // null before any side effect: the app answers it
    if (!pending) return null;
    return pending.then(
      (res) => {
        record?.(c, "GET", door.route(path) ?? UNMATCHED, res.status, (performance.now() - started) / 1000);
        return res;
      },
      (e) => {
        const observed = (error: AppError) => {
          c.error = error;
          return c;
        };
        return unhandled(e, c.get("requestId"), observed, door.route(path) ?? UNMATCHED, started);
      },
    );
  }

  async function answer(req: Request, server: AddressSource | undefined, route: string, hot: Hot, limit: number, format: Format): Promise<Response> {
    const started = performance.now();
    const h = req.headers;
    const requestId = requestIds(h.get("x-request-id") ?? undefined);
    let ip: string | undefined;
    const clientIp = () => (ip ??= address(h.get("x-forwarded-for"), () => peerAddress(server, req)));
    let principal: Principal | null = null;
    let admission: Admission | null = null;
    let failed: Failed | undefined;
    let status = 200;
    let text = "";
    let data: unknown;
    let resolved = false;
    try {
      if (hot.auth) {
        const resolving = resolvePrincipal(core, {
          authorization: h.get("authorization") ?? undefined,
          apiKey: h.get("x-api-key") ?? undefined,
          get clientIp() {
            return clientIp();
          },
        });
        principal = resolving instanceof Promise ? await resolving : resolving;
        resolved = true;
        if (principal?.via === "apiKey") {
          const admitted = admitKey(core, principal);
          admission = admitted instanceof Promise ? await admitted : admitted;
          if (admission.refused) throw admission.refused;
        }
      }
      data = hot.data(core, principal, limit);
      if (!format.writesAfterSettling) text = format.ok(data);
    } catch (e) {
      failed = format.failed(e, req, requestId, route);
      // tRPC's createContext rethrows what resolving throws that is not an AppError; answerMeta, then given no
      // context, notes no failure (the log line's code is the status's).
      if (!resolved && !(e instanceof AppError)) failed.failure = undefined;
      status = failed.status;
      text = failed.text;
    }
    if (admission && !admission.refused) {
      const settled = settleKey(core, principal!, admission, status);
      if (settled) await settled;
    }
    if (format.writesAfterSettling && !failed) {
      try {
        text = format.ok(data);
      } catch (e) {
        return unhandled(e, requestId, (error) => new Facts(requestId, principal, clientIp, error, undefined) as unknown as Observed, route, started);
      }
    }
    const res = jsonResponse(text, status, requestId);
    const headers = res.headers;
    if (format.extra) for (const [name, value] of format.extra) headers.set(name, value);
    if (admission) for (const name in admission.headers) headers.set(name, admission.headers[name]!);
    // A refused charge's headers carry the same Retry-After already.
    if (failed?.retryAfter !== undefined && !headers.has("Retry-After")) headers.set("Retry-After", String(failed.retryAfter));
    const facts = new Facts(requestId, principal, clientIp, failed?.error, failed?.failure);
    record?.(facts as unknown as Observed, "GET", route, status, (performance.now() - started) / 1000);
    return res;
  }

  /**
   * A tRPC answer that could not be written: the app's onError answers it (the opaque 500, none of the call's
   * headers) and names no route in its log line (routePattern(c, () => null) never names a tRPC path); the access
   * log reads `observed(error)`.
   */
  function unhandled(e: unknown, requestId: string, observed: (error: AppError) => Observed, route: string, started: number): Response {
    const error = internal(e, requestId, UNMATCHED);
    record?.(observed(error), "GET", route, error.status, (performance.now() - started) / 1000);
    return jsonResponse(JSON.stringify(errorBody(error)), error.status, requestId);
  }

  /** An unexpected error: logged as the app's onError logs it, answered as the opaque 500. */
  function internal(e: unknown, requestId: string, route: string): AppError {
    logger.error("unhandled error", { requestId, method: "GET", route, ...describeError(e) });
    return new AppError("INTERNAL", "Internal server error");
  }

  return (req: Request, server?: AddressSource): Promise<Response> | null => {
    if (req.method !== "GET") return null;
    const url = req.url;
    // Only an absolute URL, whose path starts where Hono's getPath starts it: with an empty or odd Host header Bun
    // gives the bare request target ("/x/api/auth/me"), whose path Hono reads from its fourth character on.
    const from = url.startsWith("http://") ? url.indexOf("/", 7) : url.startsWith("https://") ? url.indexOf("/", 8) : -1;
    if (from < 0) return null;
    const q = url.indexOf("?", from);
    const path = q < 0 ? url.slice(from) : url.slice(from, q);
    const hot = HOT.get(path);
    const query = !hot && trpc !== undefined && path.startsWith("/trpc/") && !path.includes("%");
    if (!hot && !query) return null;
    const h = req.headers;
    if (h.has("cookie") || h.has("content-length") || h.has("transfer-encoding")) return null;
    if (query) {
      // Streaming answers and content types are the adapter's (trpc/direct.ts leaves them to it too).
      const plain = !h.has("content-type") && !h.has("trpc-accept") && !h.get("accept")?.includes("jsonl");
      const call = plain ? HOT_TRPC.get(q < 0 ? path : url.slice(from)) : undefined;
      return call ? answer(req, server, path, call.hot, call.limit, formatOf(call, trpc)) : trpcQuery(req, server, path, trpc);
    }
    if (!hot) return null;
    let limit = DEFAULT_LIMIT;
    if (hot === LATEST && q >= 0 && q < url.length - 1) {
      const plain = PLAIN_LIMIT.exec(url.slice(q + 1));
      if (!plain) return null;
      limit = Number(plain[1]);
    }
    return answer(req, server, path, hot, limit, rest);
  };
}

/** What the access log and metrics read of a fast-path request, as the app's context would give it. */
class Facts {
  constructor(
    private readonly requestId: string,
    private readonly principal: Principal | null,
    private readonly clientIp: () => string,
    readonly error: AppError | undefined,
    private readonly failure: { code: string; reason: string } | undefined,
  ) {}
  get(key: keyof AppEnv["Variables"]): unknown {
    return key === "clientIp" ? this.clientIp()
      : key === "requestId" ? this.requestId
      : key === "principal" ? this.principal
      : key === "failure" ? this.failure
      : undefined;
  }
}
