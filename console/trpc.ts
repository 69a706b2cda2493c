import { QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
// The one thing the console takes from the server: the router's type. No server code reaches the bundle.
import type { AppRouter } from "../server/trpc/router.ts";
import { statusOf } from "./errors.ts";

export const queryClient = new QueryClient({
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
