import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireJwt } from "../../auth/principal.ts";
import { reportLeakInput, revokeInput, rollInput } from "../../core/key-schemas.ts";
import { createdKeySchema, createKeyInput, idParam, keyRecordSchema, keysQuery, rolledKeySchema } from "../../core/schemas.ts";
import type { AppEnv } from "../env.ts";
import { errorEnvelope, jsonBody, okEnvelope, responses } from "../envelope.ts";
import { authenticate, emptyBodyIsNoBody } from "../middleware.ts";

const tags = ["API keys"];
const security = [{ bearer: [] }];
const middleware = authenticate({ keys: false, require: "jwt" });
export const CREATED_MESSAGE = "API key created. Save it now - it cannot be retrieved again.";
const optionalJson = <T extends z.ZodType>(schema: T) => ({ ...jsonBody(schema), required: false });

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
const get = createRoute({
  method: "get", path: "/{id}", tags, security, middleware,
  summary: "One of your keys, revoked and retired ones too, with where its quota stands (never the key itself)",
  request: { params: idParam },
  responses: responses(keyRecordSchema, "The key (404 when you hold none with this id)"),
});
const revokeAll = createRoute({
  method: "delete", path: "/", tags, security, middleware, summary: "Revoke every one of your keys (e.g. after a compromise)",
  responses: responses(z.object({ revoked: z.number().int() }), "How many keys were revoked"),
});
const revoke = createRoute({
  method: "delete", path: "/{id}", tags, security, summary: "Revoke one of your keys, optionally saying why",
  // The body is optional: none, or an empty one with a JSON content type, means `{}` (so for roll below).
  middleware: [middleware, emptyBodyIsNoBody] as const,
  request: { params: idParam, body: optionalJson(revokeInput) },
  responses: responses(z.null(), "Revoked"),
});
const roll = createRoute({
  method: "post", path: "/{id}/roll", tags, security, middleware: [middleware, emptyBodyIsNoBody] as const,
  summary: "Replace one of your keys with a new secret; the old one works for the grace period",
  request: { params: idParam, body: optionalJson(rollInput) },
  responses: { ...responses(rolledKeySchema, "The new key, shown this once", 201), 409: { description: "Already rotated" } },
});
const reportLeak = createRoute({
  method: "post", path: "/report-leak", tags, summary: "Report a leaked key (no authentication); a live one is revoked",
  request: { body: jsonBody(reportLeakInput) },
  responses: {
    202: {
      description: "Report received (the same answer whether or not the key existed)",
      content: { "application/json": { schema: okEnvelope(z.null()) } },
    },
    400: { description: "A body without a string key", content: { "application/json": { schema: errorEnvelope } } },
    429: { description: "Too many reports from this address", content: { "application/json": { schema: errorEnvelope } } },
  },
});

export const keyRoutes = new OpenAPIHono<AppEnv>()
  // Before /{id} routes, and with no authentication: a secret scanner or a stranger calls it.
  .openapi(reportLeak, async (c) => {
    await c.get("core").keyLifecycle.reportLeak(c.req.valid("json").key, c.get("clientIp"));
    return c.json({ success: true as const, data: null, message: "Report received" }, 202);
  })
  .openapi(create, async (c) => {
    const p = requireJwt(c.get("principal"));
    const data = await c.get("core").keys.create(p, c.req.valid("json"));
    return c.json({ success: true as const, data, message: CREATED_MESSAGE }, 201);
  })
  .openapi(list, (c) => {
    const p = requireJwt(c.get("principal"));
    const { items, meta } = c.get("core").keys.list(p.userId, c.req.valid("query"));
    return c.json({ success: true as const, data: items, meta }, 200);
  })
  .openapi(get, (c) => {
    const p = requireJwt(c.get("principal"));
    return c.json({ success: true as const, data: c.get("core").keys.get(p.userId, c.req.valid("param").id) }, 200);
  })
  .openapi(revokeAll, async (c) => {
    const p = requireJwt(c.get("principal"));
    const revoked = await c.get("core").keys.revokeAll(p.userId);
    return c.json({ success: true as const, data: { revoked }, message: `${revoked} API key(s) revoked` }, 200);
  })
  .openapi(revoke, async (c) => {
    const p = requireJwt(c.get("principal"));
    const { reason } = (c.req.valid("json") ?? {}) as z.infer<typeof revokeInput>;
    await c.get("core").keys.revoke(p.userId, c.req.valid("param").id, reason);
    return c.json({ success: true as const, data: null, message: "API key revoked" }, 200);
  })
  .openapi(roll, async (c) => {
    const p = requireJwt(c.get("principal"));
    const input = rollInput.parse(c.req.valid("json") ?? {});
    const data = await c.get("core").keyLifecycle.roll(p.userId, c.req.valid("param").id, input);
    return c.json({ success: true as const, data, message: CREATED_MESSAGE }, 201);
  });
