import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
let doc: any;
beforeAll(async () => {
  h = await createHarness();
  doc = await (await h.request("/api/openapi.json")).json();
});
afterAll(() => h.close());

// Every REST route of the contract, with whether it takes a JSON body.
const contract: [string, string, boolean][] = [
  ["post", "/api/auth/register", true], ["post", "/api/auth/login", true], ["get", "/api/auth/me", false],
  ["put", "/api/auth/password", true], ["post", "/api/auth/logout-all", false],
  ["post", "/api/keys", true], ["get", "/api/keys", false], ["get", "/api/keys/{id}", false], ["delete", "/api/keys/{id}", false],
  ["get", "/api/admin/api-keys", false], ["get", "/api/admin/api-keys/{id}", false], ["put", "/api/admin/api-keys/{id}", true], ["delete", "/api/admin/api-keys/{id}", false],
  ["get", "/api/admin/users", false], ["put", "/api/admin/users/{id}", true],
  ["get", "/api/admin/audit", false], ["get", "/api/auth/events", false],
  ["get", "/api/v1/articles/latest", false], ["get", "/api/v1/articles", false], ["get", "/api/v1/articles/{id}", false],
  ["post", "/api/v1/articles", true], ["get", "/api/health", false],
  ["get", "/api/keys/{id}/usage", false], ["get", "/api/admin/api-keys/{id}/usage", false], ["get", "/api/admin/usage", false],
];

describe("GET /api/openapi.json", () => {
  test("is an OpenAPI 3.1 document with both security schemes", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("Argus API");
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["apiKey", "bearer"]);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "apiKey", in: "header", name: "X-API-Key" });
  });

  test.each(contract)("describes %s %s with its schemas", (method, path, hasBody) => {
    const op = doc.paths[path]?.[method];
    expect(op).toBeDefined();
    const ok = op.responses["200"] ?? op.responses["201"];
    const schema = ok.content["application/json"].schema;
    expect(schema.properties.success).toBeDefined();
    expect(schema.properties.data).toBeDefined();
    if (hasBody) expect(op.requestBody.content["application/json"].schema.type).toBe("object");
    if (path.includes("{id}")) expect(op.parameters.some((p: any) => p.in === "path" && p.name === "id")).toBe(true);
  });

  test("the key creation schema matches what the route validates", () => {
    const body = doc.paths["/api/keys"].post.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(["name"]);
    expect(body.properties.name).toMatchObject({ type: "string", minLength: 1, maxLength: 100 });
    expect(body.properties.scopes.items.enum).toEqual(["articles:read", "articles:write"]);
  });

  test("key records document where a quota stands: used, remaining and resetAt", () => {
    const data = (path: string) => doc.paths[path].get.responses["200"].content["application/json"].schema.properties.data;
    for (const record of [data("/api/keys/{id}"), data("/api/admin/api-keys/{id}"), data("/api/keys").items]) {
      const quota = record.properties.quota;
      expect(quota.type).toEqual(["object", "null"]);
      expect(Object.keys(quota.properties)).toEqual(["limit", "period", "used", "remaining", "resetAt"]);
      expect(quota.required).toEqual(["limit", "period", "used", "remaining", "resetAt"]);
      expect(quota.properties.resetAt).toMatchObject({ type: "string", format: "date-time" });
    }
    expect(data("/api/admin/api-keys/{id}").required).toEqual(expect.arrayContaining(["userId", "userEmail", "quota"]));
    expect(doc.paths["/api/keys/{id}"].get.operationId).toBe("getKeysById");
  });

  test("GET /api/docs serves a readable reference page", async () => {
    const res = await h.request("/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("/api/openapi.json");
  });
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]: [string, any]) => Object.entries(item).map(([method, op]: [string, any]) => ({ path, method, op })));

describe("GET /api/openapi.json is fit for code generators", () => {
  test("every operation has an operationId, unique across the document", () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/api/v1/articles/{id}"].get.operationId).toBe("getArticlesById");
    expect(doc.paths["/api/auth/login"].post.operationId).toBe("postAuthLogin");
  });

  test("servers names the origin the document was fetched from; info carries the license", () => {
    expect(doc.servers).toEqual([{ url: "http://localhost", description: "This server" }]);
    expect(doc.info.license).toEqual({ name: "MIT", identifier: "MIT" });
  });

  test("public routes say security: [], the rest name their schemes", () => {
    const open = operations().filter(({ op }) => op.security.length === 0).map(({ method, path }) => `${method} ${path}`);
    expect(open.sort()).toEqual([
      "delete /api/auth/session", "get /api/auth/status", "get /api/health", "post /api/auth/login", "post /api/auth/register",
      "post /api/auth/session", "post /api/auth/session/register", "post /api/keys/report-leak",
    ]);
    for (const { op } of operations()) expect(Array.isArray(op.security)).toBe(true);
  });

  test("routes that take API keys declare the rate-limit headers; every 429 declares Retry-After", () => {
    const keyed = operations().filter(({ op }) => op.security.some((s: object) => "apiKey" in s));
    expect(keyed.map(({ method, path }) => `${method} ${path}`)).toContain("get /api/v1/articles/latest");
    expect(keyed.map(({ method, path }) => `${method} ${path}`)).toContain("get /api/auth/me");
    for (const { op } of keyed) {
      for (const response of Object.values(op.responses) as any[]) {
        expect(Object.keys(response.headers).sort()).toEqual(
          expect.arrayContaining(["RateLimit", "RateLimit-Policy", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]),
        );
      }
    }
    for (const { op } of operations()) {
      if (op.responses["429"]) expect(op.responses["429"].headers["Retry-After"]).toEqual({ $ref: "#/components/headers/Retry-After" });
    }
    expect(doc.components.headers["Retry-After"].schema).toEqual({ type: "integer" });
  });

  test("the headers it declares are the ones a keyed route sends", async () => {
    const { key } = await h.createKey((await h.signUp()).token);
    const res = await h.request("/api/v1/articles/latest", { apiKey: key });
    expect(res.status).toBe(200);
    for (const name of Object.keys(doc.components.headers).filter((n) => n !== "Retry-After")) expect(res.headers.has(name)).toBe(true);
  });
});

describe("POST /api/keys/report-leak in the document", () => {
  test("declares the 400 and the 429 (with Retry-After) it answers, in the envelope, beside its 202", async () => {
    const op = doc.paths["/api/keys/report-leak"].post;
    const report = (json: unknown) => h.request("/api/keys/report-leak", { method: "POST", json, headers: { "x-forwarded-for": "203.0.113.9" } });
    expect((await report({ key: 7 })).status).toBe(400);
    let last = await report({ key: "argus_nothing" });
    for (let i = 0; i < 25 && last.status === 202; i++) last = await report({ key: "argus_nothing" });
    expect(last.status).toBe(429);
    expect(last.headers.get("retry-after")).toMatch(/^\d+$/);

    expect(Object.keys(op.responses).sort()).toEqual(["202", "400", "429"]);
    expect(op.responses["202"].content["application/json"].schema.properties.data).toEqual({ type: "null" });
    for (const status of ["400", "429"]) {
      expect(op.responses[status].content["application/json"].schema.properties.code).toBeDefined();
    }
    expect(op.responses["429"].headers["Retry-After"]).toEqual({ $ref: "#/components/headers/Retry-After" });
  });
});
