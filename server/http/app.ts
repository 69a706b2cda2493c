import { OpenAPIHono } from "@hono/zod-openapi";
import type { Core } from "../core/index.ts";
import { AppError, issueDetails } from "../errors.ts";
import { observeRequests } from "../observability/access-log.ts";
import { metricsEndpoint } from "../observability/endpoint.ts";
import { mountTrpc, trpcRoute } from "../trpc/mount.ts";
import { auditScope } from "./audit-scope.ts";
import { bodyChecks } from "./body-checks.ts";
import { mountDocs } from "./docs.ts";
import type { AppEnv } from "./env.ts";
import { fail } from "./envelope.ts";
import { notFoundOrMethod, onError } from "./errors.ts";
import { frame } from "./frame.ts";
import { createFastPath } from "./fast-path.ts";
import type { AddressSource } from "./clientip.ts";
import { createRequestIds } from "../observability/request-id.ts";
import { sameOriginMutations } from "./csrf.ts";
import { consolePages } from "./console-pages.ts";
import { landingRoutes } from "./landing.ts";
import { authenticate } from "./middleware.ts";
import { adminRoutes } from "./routes/admin.ts";
import { articleRoutes } from "./routes/articles.ts";
import { auditRoutes } from "./routes/audit.ts";
import { authRoutes } from "./routes/auth.ts";
import { healthRoutes } from "./routes/health.ts";
import { keyRoutes } from "./routes/keys.ts";
import { sessionRoutes } from "./routes/session.ts";
import { adminUsageRoutes, keyUsageRoutes } from "./routes/usage.ts";

const MAX_BODY = 1024 * 1024;
const KEY_PATHS = ["/api/v1/*", "/api/auth/me"];

/** The REST door plus tRPC at /trpc, over one core. */
export function createApp(core: Core, opts: { fastPath?: boolean; console?: URL } = {}) {
  const { config, logger } = core.deps;
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return fail(c, new AppError("BAD_REQUEST", "Validation failed", issueDetails(result.error.issues)));
    },
  });

  // Outermost: request id, client address, and the security headers, CSP and X-Request-Id on every answer.
  const requestIds = createRequestIds();
  app.use("*", frame(core, requestIds));
  app.use("*", auditScope());
  // Outside everything that can refuse a request, so every answer is logged and counted.
  app.use("*", observeRequests(core, trpcRoute));
  app.use("/metrics", metricsEndpoint(config, core.deps.metrics));
  app.use("*", sameOriginMutations(config.trustProxy));
  // Routes that accept API keys: charge the key before any body check, so every answer carries its headers.
  for (const path of KEY_PATHS) app.use(path, authenticate({ keys: true }));
  app.use("*", bodyChecks(MAX_BODY));

  app.route("/api", healthRoutes);
  app.route("/api/auth", authRoutes);
  app.route("/api/auth", sessionRoutes);
  app.route("/api/keys", keyRoutes);
  app.route("/api/admin", adminRoutes);
  app.route("/api/keys", keyUsageRoutes);
  app.route("/api/admin", adminUsageRoutes);
  app.route("/api/v1", articleRoutes);
  app.route("/api", auditRoutes);
  const trpc = mountTrpc(app, core);
  mountDocs(app);
  // The server passes the console through (opts.console, server/serve.ts); without it, "/" is the landing page.
  app.route("/", opts.console ? consolePages(opts.console) : landingRoutes);

  app.notFound(notFoundOrMethod(app));
  app.onError(onError(logger));

  // The hot GET routes are answered before Hono's dispatch when their request is plain (http/fast-path.ts);
  // app.fetch and app.request() (the tests' door) go through it, so does the server. opts.fastPath: false
  // leaves the app alone, for the test that holds both doors to the same answers.
  if (opts.fastPath !== false) {
    const fast = createFastPath(core, requestIds, trpc);
    const dispatch = app.fetch;
    app.fetch = (req, env, ctx) => fast(req, env as AddressSource | undefined) ?? dispatch(req, env, ctx);
  }
  return app;
}
export type App = ReturnType<typeof createApp>;
