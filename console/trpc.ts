import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
// The one thing the console takes from the server: the router's type. No server code reaches the bundle.
import type { AppRouter } from "../server/trpc/router.ts";
import { statusOf } from "./errors.ts";

// A session that ended elsewhere (expiry, "log out everywhere", a password change in another browser) shows up as a
// 401 on whatever ran next: then ask again who we are, and the app falls back to the sign-in screen.
const ME_KEY = [["auth", "me"]];
const onError = (error: unknown, queryKey?: readonly unknown[]) => {
  if (statusOf(error) !== 401 || JSON.stringify(queryKey?.slice(0, 1)) === JSON.stringify(ME_KEY)) return;
  void queryClient.invalidateQueries({ queryKey: ME_KEY });
};

export const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: (error, query) => onError(error, query.queryKey) }),
  mutationCache: new MutationCache({ onError: (error) => onError(error) }),
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: false,
      // A refused credential or a bad request will not fix itself; a 5xx or a network blip might.
      retry: (count, error) => count < 2 && !(statusOf(error) >= 400 && statusOf(error) < 500),
    },
  },
});

// Same origin: the session cookie rides along by itself; no token is ever held by page script.
export const trpcClient = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: "/trpc", transformer: superjson, maxItems: 10 })],
});

export const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });
export type { AppRouter };

/** What each procedure answers, for screens that name a record's type. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
