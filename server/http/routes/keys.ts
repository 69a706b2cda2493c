import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireJwt } from "../../auth/principal.ts";
import { createdKeySchema, createKeyInput, idParam, keyRecordSchema, keysQuery } from "../../core/schemas.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody, responses } from "../envelope.ts";
import { authenticate } from "../middleware.ts";

const tags = ["API keys"];
const security = [{ bearer: [] }];
const middleware = authenticate({ keys: false, require: "jwt" });

const create = createRoute({
  method: "post", path: "/", tags, security, middleware, summary: "Create an API key (shown once)",
  request: { body: jsonBody(createKeyInput) },
  responses: responses(createdKeySchema, "The key, shown this once", 201),
});
const list = createRoute({
  method: "get", path: "/", tags, security, middleware,
  summary: "Your keys, newest first, in pages (never the key itself)",
  request: { query: keysQuery },
  responses: responses(z.array(keyRecordSchema), "One page of your keys; meta carries nextCursor and hasMore"),
});
const revokeAll = createRoute({
  method: "delete", path: "/", tags, security, middleware, summary: "Revoke every one of your keys (e.g. after a compromise)",
  responses: responses(z.object({ revoked: z.number().int() }), "How many keys were revoked"),
});
const revoke = createRoute({
  method: "delete", path: "/{id}", tags, security, middleware, summary: "Revoke one of your keys",
  request: { params: idParam },
  responses: responses(z.null(), "Revoked"),
});

export const keyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(create, async (c) => {
    const p = requireJwt(c.get("principal"));
    const data = await c.get("core").keys.create(p, c.req.valid("json"));
    return c.json({ success: true as const, data, message: "API key created. Save it now - it cannot be retrieved again." }, 201);
  })
  .openapi(list, (c) => {
    const p = requireJwt(c.get("principal"));
    const { items, meta } = c.get("core").keys.list(p.userId, c.req.valid("query"));
    return c.json({ success: true as const, data: items, meta }, 200);
  })
  .openapi(revokeAll, async (c) => {
    const p = requireJwt(c.get("principal"));
    const revoked = await c.get("core").keys.revokeAll(p.userId);
    return c.json({ success: true as const, data: { revoked }, message: `${revoked} API key(s) revoked` }, 200);
  })
  .openapi(revoke, async (c) => {
    const p = requireJwt(c.get("principal"));
    await c.get("core").keys.revoke(p.userId, c.req.valid("param").id);
    return c.json({ success: true as const, data: null, message: "API key revoked" }, 200);
  });
