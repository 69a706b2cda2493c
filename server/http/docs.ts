import type { OpenAPIHono } from "@hono/zod-openapi";
import pkg from "../../package.json" with { type: "json" };
// The API reference UI, pinned in package.json and embedded by `bun build --compile` (a `file` import is an
// asset of the binary): /api/docs works offline and loads nothing from any other origin.
// @ts-expect-error -- a JS bundle imported as a file has no declarations; its default export is the file's path.
import scalarBundlePath from "../../node_modules/@scalar/api-reference/dist/browser/standalone.js" with { type: "file" };
import { pagePolicy } from "./csp.ts";
import type { AppEnv } from "./env.ts";
import { fitForCodegen, type OpenApiDoc } from "./openapi-fit.ts";

const scalarBundle: string = scalarBundlePath;

const info = {
  title: "Argus API",
  version: pkg.version,
  description: "Accounts, JWT sessions, API keys with per-key rate limits, and the articles feed.",
  license: { name: "MIT", identifier: "MIT" },
};

// A file of its own rather than an inline script, so the page's policy can say script-src 'self' and nothing more.
// Its hosted extras (AI agent, MCP, SDK generation, developer tools) are switched off: they would call out.
const options = {
  url: "/api/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  defaultOpenAllTags: true,
  showDeveloperTools: "never",
  agent: { disabled: true },
  mcp: { disabled: true },
  hideClientButton: false,
};
const init = `Scalar.createApiReference("#app", ${JSON.stringify(options)});\n`;

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Argus API reference</title>
</head>
<body>
<noscript>The reference needs JavaScript; the document itself is at <a href="/api/openapi.json">/api/openapi.json</a>.</noscript>
<div id="app"></div>
<script src="/api/docs/scalar.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;

// The UI injects its own styles (so 'unsafe-inline' for styles only) and calls the API from "Try it" (same origin).
const policy = pagePolicy({
  "script-src": "'self'",
  "style-src": "'self' 'unsafe-inline'",
  "img-src": "'self' data: blob:",
  "font-src": "'self' data:",
  "connect-src": "'self'",
  "worker-src": "'self' blob:",
});

/** /api/openapi.json from the route declarations (completed for codegen), and /api/docs rendering it. */
export function mountDocs(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "apiKey", in: "header", name: "X-API-Key" });
  let doc: OpenApiDoc | undefined; // routes are all declared by the first request
  app.get("/api/openapi.json", (c) => {
    doc ??= fitForCodegen(app.getOpenAPI31Document({ openapi: "3.1.0", info }));
    return c.json({ ...doc, servers: [{ url: new URL(c.req.url).origin, description: "This server" }] });
  });
  app.get("/api/docs", (c) => {
    c.header("Content-Security-Policy", policy);
    return c.html(page);
  });
  app.get("/api/docs/init.js", (c) => c.body(init, 200, { "Content-Type": "text/javascript; charset=utf-8" }));
  app.get("/api/docs/scalar.js", (c) =>
    c.body(Bun.file(scalarBundle).stream(), 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=86400",
    }),
  );
}
