import { Hono } from "hono";
import pkg from "../../package.json" with { type: "json" };
import { inlineHash, pagePolicy } from "./csp.ts";
import type { AppEnv } from "./env.ts";

// The page at `/` until the web console takes it (the console keeps these links): where to go next.
const style = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem;margin-bottom:.25rem}p.lead{color:#59636e;margin-top:0}li{margin:.4rem 0}
a{color:#0969da}code{background:#f6f8fa;padding:.1rem .3rem;border-radius:4px}`;

const links: [string, string, string][] = [
  ["/api/docs", "API reference", "every REST route, its inputs, answers and errors"],
  ["/api/openapi.json", "OpenAPI document", "for code generators and API tools"],
  ["/api/health", "Health", "liveness and the rate limiter's state"],
];

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Argus</title>
<style>${style}</style>
</head>
<body>
<main>
<h1>Argus</h1>
<p class="lead">Accounts, API keys with per-key rate limits, and an articles feed. Version ${pkg.version}.</p>
<ul>
${links.map(([href, name, what]) => `<li><a href="${href}">${name}</a> — ${what}</li>`).join("\n")}
</ul>
<p>TypeScript: the typed client is the <code>@argus/client</code> package, over tRPC at <code>/trpc</code>.</p>
</main>
</body>
</html>
`;

const policy = pagePolicy({ "style-src": inlineHash(style) });

export const landingRoutes = new Hono<AppEnv>().get("/", (c) => {
  c.header("Content-Security-Policy", policy);
  return c.html(page);
});
