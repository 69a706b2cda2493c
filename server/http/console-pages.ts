import { Hono, type Context } from "hono";
import type { AppEnv } from "./env.ts";

// console/index.html's own policy (its meta tag), plus what a meta tag cannot say: no framing.
const policy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "manifest-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'";
const PASSED_ON = ["content-type", "etag", "cache-control", "last-modified"];
// The page, and the files at the root that Bun names for it (chunk-1a2b3c4d.js); anything else is not asked for.
const CONSOLE_PATH = /^\/(?:[\w.-]+\.[a-z0-9]+)?$/;

/**
 * The console's page and the files Bun bundles from it, fetched from the loopback listener that serves them
 * (server/serve.ts) and answered here, so they carry what every answer carries. A path it does not have gets the
 * app's ordinary 404 or 405.
 */
export function consolePages(origin: URL) {
  const pass = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    if (!CONSOLE_PATH.test(c.req.path)) return next();
    const headers = new Headers();
    const tag = c.req.header("if-none-match");
    if (tag) headers.set("if-none-match", tag);
    const upstream = await fetch(new URL(c.req.path, origin), { method: c.req.method, headers });
    if (upstream.status === 404) {
      await upstream.body?.cancel();
      return next();
    }
    const res = new Response(c.req.method === "HEAD" ? null : upstream.body, { status: upstream.status });
    for (const name of PASSED_ON) {
      const value = upstream.headers.get(name);
      if (value) res.headers.set(name, value);
    }
    const length = upstream.headers.get("content-length");
    if (c.req.method === "HEAD" && length) res.headers.set("content-length", length);
    res.headers.set("Content-Security-Policy", policy);
    return res;
  };
  // "/*" rather than a pattern: the 404/405 table (http/errors.ts) skips wildcards, so other paths answer as before.
  return new Hono<AppEnv>().on(["GET", "HEAD"], ["/", "/*"], pass);
}
