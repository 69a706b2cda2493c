// Talking to a server under test over HTTP: one request helper, and the fixture most scenarios start from.
import { ADMIN, KEYS, RATE_LIMIT, USER } from "./config.ts";
import type { LoadRequest } from "./load.ts";

export type ApiInit = { method?: string; json?: unknown; token?: string; apiKey?: string; headers?: Record<string, string> };
export type ApiResult = { status: number; body: any; headers: Headers; ms: number };

export async function api(base: string, path: string, init: ApiInit = {}): Promise<ApiResult> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.json !== undefined) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.apiKey) headers["x-api-key"] = init.apiKey;
  const started = performance.now();
  const res = await fetch(base + path, {
    method: init.method ?? (init.json !== undefined ? "POST" : "GET"),
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers, ms };
}

export async function expectOk(what: string, p: Promise<ApiResult>) {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what} failed: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

export const register = (base: string, user: { email: string; password: string }, headers?: Record<string, string>) =>
  expectOk(`register ${user.email}`, api(base, "/api/auth/register", { json: user, headers })).then((b) => b.data.token as string);

export const login = (base: string, user: { email: string; password: string }) =>
  expectOk(`login ${user.email}`, api(base, "/api/auth/login", { json: user })).then((b) => b.data.token as string);

/** Creates a key for the JWT's user; with `limit`, the admin sets the key's own limit. Returns the key. */
export async function createKey(
  base: string,
  token: string,
  opts: { adminToken?: string; limit?: number; scopes?: string[]; name?: string } = {},
): Promise<string> {
  const k = await expectOk("create key", api(base, "/api/keys", { json: { name: opts.name ?? "bench", scopes: opts.scopes }, token }));
  if (opts.limit !== undefined) {
    await expectOk(
      "set key limit",
      api(base, `/api/admin/api-keys/${k.data.id}`, { method: "PUT", json: { rateLimit: opts.limit }, token: opts.adminToken }),
    );
  }
  return k.data.key as string;
}

export type Fixture = { token: string; adminToken: string; keys: string[] };

/** Over HTTP: register the user, log the admin in, create keys and raise each key's own limit to 100,000/min. */
export async function prepare(base: string, keys = KEYS, user = USER): Promise<Fixture> {
  const token = await register(base, user);
  const adminToken = await login(base, ADMIN);
  const created = await Promise.all(Array.from({ length: keys }, (_, i) => createKey(base, token, { adminToken, limit: RATE_LIMIT, name: `bench ${i}` })));
  // The limit is the key's own now, as the response headers say.
  const check = await api(base, "/api/auth/me", { apiKey: created[0] });
  if (check.headers.get("x-ratelimit-limit") !== String(RATE_LIMIT)) {
    throw new Error(`key limit not applied: X-RateLimit-Limit=${check.headers.get("x-ratelimit-limit")}`);
  }
  return { token, adminToken, keys: created };
}

export const withKeys = (keys: string[], path: string): LoadRequest[] => keys.map((k) => ({ path, headers: { "X-API-Key": k } }));
