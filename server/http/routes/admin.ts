import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireAdmin } from "../../auth/principal.ts";
import { rollInput } from "../../core/key-schemas.ts";
import {
  adminKeyRecordSchema, adminKeysQuery, adminKeyUpdate, adminUserSchema, adminUsersQuery, adminUserUpdate, idParam,
  rolledKeySchema,
} from "../../core/schemas.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody, responses } from "../envelope.ts";
import { authenticate, emptyBodyIsNoBody } from "../middleware.ts";
import { CREATED_MESSAGE } from "./keys.ts";

const security = [{ bearer: [] }];
const middleware = authenticate({ keys: false, require: "admin" });
const keys = { tags: ["Admin"], security, middleware };

const listKeys = createRoute({
  ...keys, method: "get", path: "/api-keys", summary: "Every user's keys",
  request: { query: adminKeysQuery },
  responses: responses(z.array(adminKeyRecordSchema), "Keys, newest first"),
});
const getKey = createRoute({
  ...keys, method: "get", path: "/api-keys/{id}", summary: "Any key, with its owner and where its quota stands",
  request: { params: idParam },
  responses: responses(adminKeyRecordSchema, "The key (404 when there is none)"),
});
const updateKey = createRoute({
  ...keys, method: "put", path: "/api-keys/{id}", summary: "Activate, deactivate or re-limit a key",
  request: { params: idParam, body: jsonBody(adminKeyUpdate) },
  responses: responses(adminKeyRecordSchema, "The updated key"),
});
const rollKey = createRoute({
  ...keys, method: "post", path: "/api-keys/{id}/roll", summary: "Replace any key with a new secret, with an overlap",
  middleware: [middleware, emptyBodyIsNoBody] as const, // the body is optional: an empty one means `{}`
  request: { params: idParam, body: { ...jsonBody(rollInput), required: false } },
  responses: { ...responses(rolledKeySchema, "The new key, shown this once", 201), 409: { description: "Already rotated" } },
});
const deleteKey = createRoute({
  ...keys, method: "delete", path: "/api-keys/{id}", summary: "Delete any key",
  request: { params: idParam },
  responses: responses(z.null(), "Deleted"),
});
const listUsers = createRoute({
  ...keys, method: "get", path: "/users", summary: "Every user",
  request: { query: adminUsersQuery },
  responses: responses(z.array(adminUserSchema), "Users, newest first"),
});
const updateUser = createRoute({
  ...keys, method: "put", path: "/users/{id}", summary: "Change a user's role, activation or key ceiling",
  request: { params: idParam, body: jsonBody(adminUserUpdate) },
  responses: { ...responses(adminUserSchema, "The updated user"), 409: { description: "Would leave no active admin" } },
});

export const adminRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listKeys, (c) => {
    requireAdmin(c.get("principal"));
    const { items, meta } = c.get("core").keys.adminList(c.req.valid("query"));
    return c.json({ success: true as const, data: items, meta }, 200);
  })
  .openapi(getKey, (c) => {
    requireAdmin(c.get("principal"));
    return c.json({ success: true as const, data: c.get("core").keys.adminGet(c.req.valid("param").id) }, 200);
  })
  .openapi(updateKey, async (c) => {
    requireAdmin(c.get("principal"));
    const data = await c.get("core").keys.adminUpdate(c.req.valid("param").id, c.req.valid("json"));
    return c.json({ success: true as const, data, message: "API key updated" }, 200);
  })
  .openapi(rollKey, async (c) => {
    requireAdmin(c.get("principal"));
    const input = rollInput.parse(c.req.valid("json") ?? {});
    const data = await c.get("core").keyLifecycle.roll(null, c.req.valid("param").id, input);
    return c.json({ success: true as const, data, message: CREATED_MESSAGE }, 201);
  })
  .openapi(deleteKey, async (c) => {
    requireAdmin(c.get("principal"));
    await c.get("core").keys.adminDelete(c.req.valid("param").id);
    return c.json({ success: true as const, data: null, message: "API key deleted" }, 200);
  })
  .openapi(listUsers, (c) => {
    requireAdmin(c.get("principal"));
    const { items, meta } = c.get("core").users.adminList(c.req.valid("query"));
    return c.json({ success: true as const, data: items, meta }, 200);
  })
  .openapi(updateUser, async (c) => {
    requireAdmin(c.get("principal"));
    const data = await c.get("core").users.adminUpdate(c.req.valid("param").id, c.req.valid("json"));
    return c.json({ success: true as const, data, message: "User updated" }, 200);
  });
