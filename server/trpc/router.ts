import { router } from "./init.ts";
import { adminRouter } from "./routers/admin.ts";
import { articlesRouter } from "./routers/articles.ts";
import { authRouter } from "./routers/auth.ts";
import { keysRouter } from "./routers/keys.ts";

export const appRouter = router({
  auth: authRouter,
  keys: keysRouter,
  admin: adminRouter,
  articles: articlesRouter,
});

/** The type, not the value, is what the client imports. */
export type AppRouter = typeof appRouter;
