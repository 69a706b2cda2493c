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

/** The tRPC door's GET-query answerer (trpc/direct.ts) and its route patterns, from mountTrpc. */
export type TrpcDoor = { direct: (c: Context<AppEnv>) => Promise<Response> | null; route: (path: string) => string | null };

type Hot = { auth: boolean; data: (core: Core, p: Principal | null, limit: number) => unknown };

/** The hot GET routes, by exact path, answered as their app routes answer them. */
const HOT = new Map<string, Hot>([
  ["/api/health", { auth: false, data: (core) => healthOf(core) }],
  ["/api/auth/me", { auth: true, data: (_core, p) => whoAmI(requireAuth(p)) }],
  ["/api/v1/articles/latest", { auth: true, data: (core, p, limit) => (requireScope(p, "articles:read"), core.articles.latest(limit)) }],
]);
const LATEST = HOT.get("/api/v1/articles/latest");
const DEFAULT_LIMIT = 20;
const PLAIN_LIMIT = /^limit=([1-9]\d?|100)$/;

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
        const requestId = c.get("requestId");
        // The app's onError names the route by routePattern(c, () => null), which never names a tRPC path.
        const error = internal(e, requestId, UNMATCHED);
        c.error = error;
        record?.(c, "GET", door.route(path) ?? UNMATCHED, error.status, (performance.now() - started) / 1000);
        return jsonResponse(JSON.stringify(errorBody(error)), error.status, requestId);
      },
    );
  }

  async function answer(req: Request, server: AddressSource | undefined, route: string, hot: Hot, limit: number): Promise<Response> {
    const started = performance.now();
    const h = req.headers;
    const requestId = requestIds(h.get("x-request-id") ?? undefined);
    let ip: string | undefined;
    const clientIp = () => (ip ??= address(h.get("x-forwarded-for"), () => peerAddress(server, req)));
    let principal: Principal | null = null;
    let admission: Admission | null = null;
    let error: AppError | undefined;
    let status = 200;
    let text: string;
    try {
      if (hot.auth) {
        const resolved = resolvePrincipal(core, {
          authorization: h.get("authorization") ?? undefined,
          apiKey: h.get("x-api-key") ?? undefined,
          get clientIp() {
            return clientIp();
          },
        });
        principal = resolved instanceof Promise ? await resolved : resolved;
        if (principal?.via === "apiKey") {
          const admitted = admitKey(core, principal);
          admission = admitted instanceof Promise ? await admitted : admitted;
          if (admission.refused) throw admission.refused;
        }
      }
      text = bodyText({ success: true, data: hot.data(core, principal, limit) });
    } catch (e) {
      error = e instanceof AppError ? e : internal(e, requestId, route);
      status = error.status;
      text = JSON.stringify(errorBody(error));
    }
    if (admission && !admission.refused) {
      const settled = settleKey(core, principal!, admission, status);
      if (settled) await settled;
    }
    const res = jsonResponse(text, status, requestId);
    const headers = res.headers;
    if (admission) for (const name in admission.headers) headers.set(name, admission.headers[name]!);
    if (error?.retryAfter !== undefined) headers.set("Retry-After", String(error.retryAfter));
    record?.(new Facts(requestId, principal, clientIp, error) as unknown as Observed, "GET", route, status, (performance.now() - started) / 1000);
    return res;
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
    if (query) return trpcQuery(req, server, path, trpc);
    if (!hot) return null;
    let limit = DEFAULT_LIMIT;
    if (hot === LATEST && q >= 0 && q < url.length - 1) {
      const plain = PLAIN_LIMIT.exec(url.slice(q + 1));
      if (!plain) return null;
      limit = Number(plain[1]);
    }
    return answer(req, server, path, hot, limit);
  };
}

/** What the access log and metrics read of a fast-path request, as the app's context would give it. */
class Facts {
  constructor(
    private readonly requestId: string,
    private readonly principal: Principal | null,
    private readonly clientIp: () => string,
    readonly error: AppError | undefined,
  ) {}
  get(key: keyof AppEnv["Variables"]): unknown {
    return key === "clientIp" ? this.clientIp() : key === "requestId" ? this.requestId : key === "principal" ? this.principal : undefined;
  }
}
