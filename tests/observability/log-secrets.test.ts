import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { apiKeys, users } from "../../db/schema.ts";
import { generateKey } from "../../server/core/keyformat.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Whatever a caller sends, and wherever it puts it, no log line may hold a key, a JWT, a password, a stored
// hash or the signing secret. Every request below is answered; then every captured line is checked.

const JWT_SECRET = "log-test-secret-0123456789-abcdefghijklmnop";
let h: Harness;
let srv: ReturnType<typeof listen>;
const secrets: string[] = [];

const enc = encodeURIComponent;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

beforeAll(async () => {
  h = await createHarness({ jwtSecret: JWT_SECRET, rateLimitPerMinute: 5 });
  srv = listen(h);
  const user = await h.signUp();
  const admin = await h.signUp("admin");
  const key = await h.createKey(user.token);
  const revoked = await h.createKey(user.token);
  await h.request(`/api/keys/${revoked.id}`, { method: "DELETE", token: user.token });
  const [head, payload, signature] = user.token.split(".") as [string, string, string];

  const keys = [
    key.key, revoked.key, generateKey(), // valid, revoked, well-formed but unknown
    key.key.slice(0, -1) + (key.key.endsWith("0") ? "1" : "0"), // checksum off by one character
    key.key.toUpperCase(), key.key.slice(0, 20), ` ${key.key} `,
  ];
  const jwts = [
    user.token, admin.token,
    `${head}.${payload}.${signature.slice(0, -2)}xx`, // tampered signature
    `${b64({ alg: "none", typ: "JWT" })}.${payload}.`, // alg none
    `${head}.${b64({ sub: user.user.id, v: 0, exp: 1 })}.${signature}`, // forged claims
  ];
  const passwords = [user.password, "Wrong password 1!", "p@ss w0rd \"quoted\" ünïcode", "x".repeat(300)];
  secrets.push(...keys, ...jwts, signature, ...passwords, JWT_SECRET);

  for (const s of [...keys, ...jwts, ...passwords]) {
    const asHeaders: Record<string, string>[] = [
      { "x-api-key": s }, { authorization: `Bearer ${s}` }, { authorization: s }, { "x-request-id": s },
      { cookie: `session=${s}` }, { "x-forwarded-for": s }, { "x-anything": s },
    ];
    for (const headers of asHeaders) {
      await h.request("/api/auth/me", { headers });
      await h.request("/api/v1/articles/latest", { headers });
      await h.request("/trpc/auth.me", { headers });
    }
    await h.request(`/api/auth/me?key=${enc(s)}&api_key=${enc(s)}&token=${enc(s)}`);
    await h.request(`/api/keys/${enc(s)}`, { method: "DELETE", token: user.token });
    await h.request(`/api/admin/api-keys/${enc(s)}`, { method: "PUT", token: admin.token, json: { isActive: false } });
    await h.request(`/api/v1/articles/${enc(s)}`, { apiKey: key.key });
    await h.request(`/${enc(s)}`);
    await h.request(`/trpc/${enc(s)}`);
    await h.request("/api/auth/login", { method: "POST", json: { email: user.email, password: s } });
    await h.request("/api/auth/login", { method: "POST", json: { email: `nobody-${s.length}@example.com`, password: s } });
    await h.request("/api/auth/register", { method: "POST", json: { email: `r${secrets.length}-${s.length}@example.com`, password: s } });
    await h.request("/api/auth/password", { method: "PUT", token: admin.token, json: { currentPassword: s, newPassword: s } });
    await h.request("/api/keys", { method: "POST", token: user.token, json: { name: s, scopes: [s] } });
    await h.request("/api/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: `{"password":"${s}` });
    await h.request("/api/auth/login", { method: "POST", headers: { "content-type": "text/plain" }, body: s });
    // tRPC, over a real socket: the input in the query string, in a batch, and in a mutation body.
    await fetch(`${srv.url}/trpc/articles.byId?input=${enc(JSON.stringify({ json: s }))}`, { headers: { "x-api-key": key.key } });
    await fetch(`${srv.url}/trpc/auth.me,keys.revoke?batch=1&input=${enc(JSON.stringify({ 0: { json: s } }))}`, { headers: { "x-api-key": s } });
    await fetch(`${srv.url}/trpc/auth.login`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { email: user.email, password: s } }),
    });
    await fetch(`${srv.url}/trpc/keys.revoke`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` }, body: JSON.stringify({ json: { id: s } }),
    });
  }

  // What the database holds must not leak either: every password hash and key digest.
  for (const row of h.core.deps.db.select({ hash: users.passwordHash }).from(users).all()) secrets.push(row.hash);
  for (const row of h.core.deps.db.select({ hash: apiKeys.keyHash }).from(apiKeys).all()) secrets.push(row.hash);
}, 120_000);

afterAll(async () => {
  srv.stop();
  await h.close();
});

describe("no secret in any log line", () => {
  test("hundreds of requests were logged, each line JSON", () => {
    const lines = h.logs.map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.msg === "request").length).toBeGreaterThan(600);
    // The throttles were reached, so refusal paths (429) are in the sample too.
    expect(lines.some((l) => l.status === 429 && l.route === "/api/auth/login")).toBe(true);
    expect(lines.some((l) => l.status === 429 && l.route === "/api/auth/me")).toBe(true);
  });

  test("no key, JWT, password, hash or secret appears, in any form", () => {
    const all = h.logs.join("\n");
    for (const s of secrets) {
      for (const form of new Set([s, s.trim(), JSON.stringify(s).slice(1, -1), enc(s)])) {
        if (all.includes(form)) throw new Error(`a log line holds ${form.slice(0, 12)}…: ${h.logs.find((l) => l.includes(form))}`);
      }
    }
    expect(all).not.toMatch(/argus_[0-9a-f]{20}/i); // any key body (a logged keyPrefix is 8 characters)
    expect(all).not.toMatch(/eyJ[\w-]+\.eyJ/); // any JWT
    expect(all).not.toContain("$argon2");
  });

  test("an unhandled error's log line names the route pattern, not the path that held a key", async () => {
    const user = await h.signUp();
    const leaked = generateKey();
    const revoke = h.core.keys.revoke;
    h.core.keys.revoke = () => {
      throw new Error("disk on fire");
    };
    try {
      const res = await h.request(`/api/keys/${leaked}`, { method: "DELETE", token: user.token });
      expect(res.status).toBe(500);
    } finally {
      h.core.keys.revoke = revoke;
    }
    const line = JSON.parse(h.logs.findLast((l) => l.includes("unhandled error"))!);
    expect(line).toMatchObject({ level: "error", route: "/api/keys/:id", message: "disk on fire" });
    expect(h.logs.join("\n")).not.toContain(leaked);
  });
});
