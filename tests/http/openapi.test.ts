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
  ["post", "/api/keys", true], ["get", "/api/keys", false], ["delete", "/api/keys/{id}", false],
  ["get", "/api/admin/api-keys", false], ["put", "/api/admin/api-keys/{id}", true], ["delete", "/api/admin/api-keys/{id}", false],
  ["get", "/api/admin/users", false], ["put", "/api/admin/users/{id}", true],
  ["get", "/api/v1/articles/latest", false], ["get", "/api/v1/articles", false], ["get", "/api/v1/articles/{id}", false],
  ["post", "/api/v1/articles", true], ["get", "/api/health", false],
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

  test("GET /api/docs serves a readable reference page", async () => {
    const res = await h.request("/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("/api/openapi.json");
  });
});
