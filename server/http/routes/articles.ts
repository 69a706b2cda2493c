import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { requireScope } from "../../auth/principal.ts";
import {
  articleBatchInput, articleInput, articleListQuery, articleSchema, batchResultSchema, latestQuery,
} from "../../core/article-schemas.ts";
import { idParam, type Scope } from "../../core/schemas.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody, responses } from "../envelope.ts";
import { authenticate } from "../middleware.ts";

const tags = ["Articles"];
const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }];

// The scope is checked before input validation, so a caller who may not write learns nothing from a 400.
const scope = (s: Scope) =>
  createMiddleware<AppEnv>(async (c, next) => {
    requireScope(c.get("principal"), s);
    await next();
  });
const read = [authenticate({ keys: true, require: "any" }), scope("articles:read")];
const write = [authenticate({ keys: true, require: "any" }), scope("articles:write")];

const latest = createRoute({
  method: "get", path: "/articles/latest", tags, security, middleware: read, summary: "The newest articles",
  request: { query: latestQuery },
  responses: responses(z.array(articleSchema), "Articles, newest publishedAt first"),
});
const list = createRoute({
  method: "get", path: "/articles", tags, security, middleware: read,
  summary: "Search and page through articles (since inclusive, until exclusive, q full-text)",
  request: { query: articleListQuery },
  responses: responses(z.array(articleSchema), "One page; meta carries nextCursor and hasMore"),
});
const byId = createRoute({
  method: "get", path: "/articles/{id}", tags, security, middleware: read, summary: "One article",
  request: { params: idParam },
  responses: responses(articleSchema, "The article"),
});
const upsert = createRoute({
  method: "post", path: "/articles", tags, security, middleware: write,
  summary: "Create an article, or replace the one stored under the same url",
  request: { body: jsonBody(articleInput) },
  responses: { ...responses(articleSchema, "Replaced the article with this url"), ...responses(articleSchema, "Created", 201) },
});
const batch = createRoute({
  method: "post", path: "/articles/batch", tags, security, middleware: write,
  summary: "Upsert up to 500 articles, all or nothing",
  request: { body: jsonBody(articleBatchInput) },
  responses: responses(batchResultSchema, "Counts and the stored articles, in input order"),
});
const remove = createRoute({
  method: "delete", path: "/articles/{id}", tags, security, middleware: write, summary: "Delete an article (admins)",
  request: { params: idParam },
  responses: responses(z.null(), "Deleted"),
});

export const articleRoutes = new OpenAPIHono<AppEnv>()
  .openapi(latest, (c) => {
    const data = c.get("core").articles.latest(c.req.valid("query").limit);
    return c.json({ success: true as const, data }, 200);
  })
  .openapi(list, async (c) => {
    const { items, meta } = await c.get("core").articles.list(c.req.valid("query"));
    return c.json({ success: true as const, data: items, meta }, 200);
  })
  .openapi(byId, (c) => {
    const data = c.get("core").articles.byId(c.req.valid("param").id);
    return c.json({ success: true as const, data }, 200);
  })
  .openapi(upsert, async (c) => {
    const { article, created } = await c.get("core").articles.upsert(c.req.valid("json"));
    if (created) return c.json({ success: true as const, data: article, message: "Article created" }, 201);
    return c.json({ success: true as const, data: article, message: "Article updated" }, 200);
  })
  .openapi(remove, async (c) => {
    await c.get("core").articles.remove(c.get("principal")!, c.req.valid("param").id);
    return c.json({ success: true as const, data: null, message: "Article deleted" }, 200);
  });

// The batch is documented like the other routes, but its body is parsed, validated and answered on the writer
// thread (a 500-article batch is ~10–30 ms of zod and JSON that would otherwise hold the serving thread).
const { middleware: _, ...batchDoc } = batch;
articleRoutes.openAPIRegistry.registerPath(batchDoc);
articleRoutes.post("/articles/batch", write[0]!, write[1]!, async (c) => {
  const { created, updated, json } = await c.get("core").articles.upsertManyJson(await c.req.text());
  const message = JSON.stringify(`${created} created, ${updated} updated`);
  return c.body(`{"success":true,"data":${json},"message":${message}}`, 200, { "content-type": "application/json" });
});
