import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
let srv: ReturnType<typeof listen>;
beforeAll(async () => {
  h = await createHarness();
  srv = listen(h);
});
afterAll(async () => {
  srv.stop();
  await h.close();
});

const json = async (res: Response) => (await res.json()) as any;

describe("HTTP hygiene", () => {
  test("GET /api/health answers without auth", async () => {
    const res = await fetch(`${srv.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ success: true, data: { status: "ok" } });
  });

  test("responses carry secure headers and a request id", async () => {
    const res = await fetch(`${srv.url}/api/health`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
  });

  test("an unknown route answers 404 in the envelope", async () => {
    const res = await fetch(`${srv.url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ success: false, code: "NOT_FOUND" });
  });

  test("a known path with the wrong method answers 405 with Allow", async () => {
    const res = await fetch(`${srv.url}/api/auth/login`, { method: "GET" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("POST");
    expect(await json(res)).toMatchObject({ success: false, code: "METHOD_NOT_ALLOWED" });
    const byId = await fetch(`${srv.url}/api/keys/some-id`, { method: "PATCH" });
    expect(byId.status).toBe(405);
    expect(byId.headers.get("allow")).toBe("GET, DELETE, HEAD");
  });

  test("malformed JSON gets 400 BAD_REQUEST", async () => {
    const res = await fetch(`${srv.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ success: false, code: "BAD_REQUEST" });
  });

  test("a non-JSON content type gets 415", async () => {
    const res = await fetch(`${srv.url}/api/auth/login`, { method: "POST", headers: { "content-type": "text/plain" }, body: "email=a" });
    expect(res.status).toBe(415);
    expect(await json(res)).toMatchObject({ success: false, code: "UNSUPPORTED_MEDIA_TYPE" });
  });

  test("JSON with a charset parameter is accepted", async () => {
    const res = await fetch(`${srv.url}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ email: "charset@example.com", password: "12345678" }),
    });
    expect(res.status).toBe(201);
  });

  test("a body over 1 MiB gets 413", async () => {
    const res = await fetch(`${srv.url}/api/auth/register`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "big@example.com", password: "x".repeat(1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(await json(res)).toMatchObject({ success: false, code: "PAYLOAD_TOO_LARGE" });
  });

  test("an unexpected error answers INTERNAL without stack or SQL, and is logged with the request id", async () => {
    const broken = await createHarness();
    broken.core.deps.db.$client.exec("DROP TABLE api_keys");
    const u = await broken.signUp();
    const res = await broken.request("/api/keys", { token: u.token });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ success: false, error: "Internal server error", code: "INTERNAL" });
    expect(text).not.toMatch(/api_keys|select|at .*\.ts/i);
    const logged = broken.logs.map((l) => JSON.parse(l)).find((l) => l.level === "error");
    expect(logged.requestId).toBe(res.headers.get("x-request-id"));
    await broken.close();
  });
});
