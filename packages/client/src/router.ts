// The client's one link to the server: a type-only import, erased from the JavaScript and inlined into
// dist/index.d.ts by the build, so the published package carries the router's type and no server code.
export type { AppRouter } from "../../../server/trpc/router.ts";
