import { createTRPCClientProxy, httpBatchLink, TRPCUntypedClient, type TRPCLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "./router.ts";
import { toArgusError } from "./errors.ts";
import { rateLimitRetryLink, type RetryOptions } from "./retry-link.ts";

// Runs anywhere fetch does (Bun, Node 18+, browsers): only @trpc/client and superjson, no Bun APIs.
export type { AppRouter };
export { ArgusError, toArgusError, type ArgusErrorCode } from "./errors.ts";
export { rateLimitRetryLink, type RetryOptions } from "./retry-link.ts";

export type ArgusClientOptions = {
  /** Server base URL, e.g. http://localhost:3000 */
  url: string;
  /** A JWT from login/register. */
  token?: string;
  /** An API key (`argus_…`). */
  apiKey?: string;
  fetch?: typeof fetch;
  /** Opt-in: wait out 429s (as long as the server asks) and try again, at most `attempts` times a call. */
  retry?: RetryOptions;
};

type Call = Parameters<TRPCUntypedClient<AppRouter>["query"]>;

/** Rejections become ArgusError, so callers read `e.code` and `e.retryAfter` without digging into `e.data`. */
class ArgusUntypedClient extends TRPCUntypedClient<AppRouter> {
  override query(...[path, input, opts]: Call) {
    return settle(super.query(path, input, opts), opts?.signal);
  }
  override mutation(...[path, input, opts]: Call) {
    return settle(super.mutation(path, input, opts), opts?.signal);
  }
}

/** Also rejects the moment the signal aborts: tRPC would otherwise notice only when a retry wait ends. */
function settle<T>(call: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  const typed = call.catch((e: unknown) => Promise.reject(toArgusError(e)));
  if (!signal) return typed;
  return new Promise<T>((resolve, reject) => {
    const aborted = () => reject(toArgusError(Object.assign(new Error("The operation was aborted."), { name: "AbortError" })));
    if (signal.aborted) aborted();
    signal.addEventListener("abort", aborted, { once: true });
    typed.then(resolve, reject).finally(() => signal.removeEventListener("abort", aborted));
  });
}

/** The typed tRPC client for Argus. */
export function createArgusClient(opts: ArgusClientOptions) {
  const links: TRPCLink<AppRouter>[] = [];
  if (opts.retry) links.push(rateLimitRetryLink(opts.retry));
  links.push(
    httpBatchLink({
      url: opts.url.replace(/\/+$/, "") + "/trpc",
      transformer: superjson,
      maxItems: 50, // the server's batch cap
      fetch: opts.fetch as Parameters<typeof httpBatchLink>[0]["fetch"],
      headers: () => ({
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.apiKey ? { "x-api-key": opts.apiKey } : {}),
      }),
    }),
  );
  // What createTRPCClient does inside, with our untyped client; tRPC marks the proxy helper @internal, so a tRPC
  // upgrade that changes it breaks tests/client at once rather than callers quietly.
  return createTRPCClientProxy<AppRouter>(new ArgusUntypedClient({ links }));
}
export type ArgusClient = ReturnType<typeof createArgusClient>;
