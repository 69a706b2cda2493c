import { createTRPCClientProxy, httpBatchLink, TRPCUntypedClient, type TRPCLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "../server/trpc/router.ts";
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

/** Rejections become ArgusError, so callers read `e.code` and `e.retryAfter` without digging into `e.data`. */
class ArgusUntypedClient extends TRPCUntypedClient<AppRouter> {
  override query(...args: Parameters<TRPCUntypedClient<AppRouter>["query"]>) {
    return super.query(...args).catch(rethrow);
  }
  override mutation(...args: Parameters<TRPCUntypedClient<AppRouter>["mutation"]>) {
    return super.mutation(...args).catch(rethrow);
  }
}
const rethrow = (e: unknown): never => {
  throw toArgusError(e);
};

/** The typed tRPC client for Argus. */
export function createArgusClient(opts: ArgusClientOptions) {
  const links: TRPCLink<AppRouter>[] = [];
  if (opts.retry) links.push(rateLimitRetryLink(opts.retry));
  links.push(
    httpBatchLink({
      url: opts.url.replace(/\/+$/, "") + "/trpc",
      transformer: superjson,
      fetch: opts.fetch as Parameters<typeof httpBatchLink>[0]["fetch"],
      headers: () => ({
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.apiKey ? { "x-api-key": opts.apiKey } : {}),
      }),
    }),
  );
  return createTRPCClientProxy<AppRouter>(new ArgusUntypedClient({ links }));
}
export type ArgusClient = ReturnType<typeof createArgusClient>;
