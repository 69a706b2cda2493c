import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import pkg from "../../package.json" with { type: "json" };
import type { AppEnv } from "./env.ts";

/** The OpenAPI document comes from the route declarations themselves; /api/docs renders it. */
export function mountDocs(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "apiKey", in: "header", name: "X-API-Key" });
  app.doc31("/api/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Argus API",
      version: pkg.version,
      description: "Accounts, JWT sessions, API keys with per-key rate limits, and the articles feed.",
    },
  });
  app.get("/api/docs", Scalar({ url: "/api/openapi.json", pageTitle: "Argus API reference" }));
}
