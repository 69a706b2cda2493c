import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { Hono } from "hono";
import { createArgusClient } from "../../packages/client/src/index.ts";
import type { AppEnv } from "../../server/http/env.ts";
import { frame } from "../../server/http/frame.ts";
import { directQueries } from "../../server/trpc/direct.ts";
import { appRouter } from "../../server/trpc/router.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// GET queries skip the fetch adapter (server/trpc/direct.ts). An extra query parameter sends the same call through
// @hono/trpc-server instead (tRPC ignores unknown parameters), so each case here is asked both ways and the two
// answers must match: status, body byte for byte, and headers (the request id aside).

let h: Harness;
let srv: ReturnType<typeof listen>;
let token: string;
const keys: string[] = [];
const limited: string[] = [];
/** Two keys stand in for one (each way gets its own, so the limits match); their ids and prefixes are masked. */
const masks: string[] = [];
beforeAll(async () => {
  h = await createHarness();
  srv = listen(h);
  const u = await h.signUp();
  token = u.token;
  for (let i = 0; i < 2; i++) {
    const k = await h.createKey(token, { name: "key" });
    keys.push(k.key);
    masks.push(k.id, k.key.slice(0, 8));
  }
  for (let i = 0; i < 2; i++) {
    const k = await h.createKey(token, { name: "limited" });
    await h.core.keys.adminUpdate(k.id, { rateLimit: 1 });
    limited.push(k.key);
    masks.push(k.id, k.key.slice(0, 8));
  }
  const admin = await h.signUp("admin");
  const writer = (await h.createKey(admin.token, { name: "w", scopes: ["articles:read", "articles:write"] })).key;
  for (let i = 0; i < 3; i++) {
    const res = await h.request("/api/v1/articles", {
      method: "POST", apiKey: writer,
      json: { title: `A${i}`, url: `https://e.example/${i}`, source: "S", publishedAt: new Date(Date.UTC(2026, 9, 1, i)).toISOString() },
    });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  srv.stop();
  await h.close();
});

const input = (v: unknown) => encodeURIComponent(JSON.stringify(v));
const viaAdapter = (path: string) => path + (path.includes("?") ? "&" : "?") + "via=adapter";

async function answer(path: string, headers: Record<string, string>) {
  const res = await fetch(srv.url + path, { headers });
  const own: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!["date", "x-request-id"].includes(k)) own[k] = v;
  });
  let body = await res.text();
  for (const m of masks) body = body.replaceAll(m, "(key)");
  return { status: res.status, body, headers: own };
}

/** The answer both ways; `headersA`/`headersB` let two equal keys stand in for one, so limits match too. */
async function both(path: string, headersA: Record<string, string> = {}, headersB = headersA) {
  const direct = await answer(path, headersA);
  const adapter = await answer(viaAdapter(path), headersB);
  expect(direct).toEqual(adapter);
  return direct;
}

describe("tRPC GET queries answer exactly as through the adapter", () => {
  test("a query with a key, with and without input", async () => {
    const a = await both("/trpc/articles.latest", { "x-api-key": keys[0]! }, { "x-api-key": keys[1]! });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body).result.data.json).toHaveLength(3);
    const b = await both(`/trpc/articles.latest?input=${input({ json: { limit: 2 } })}`, { "x-api-key": keys[0]! }, { "x-api-key": keys[1]! });
    expect(JSON.parse(b.body).result.data.json).toHaveLength(2);
    expect(b.headers["x-ratelimit-remaining"]).toBeDefined();
  });

  test("a JWT query, and a key refused by a JWT-only query", async () => {
    expect((await both("/trpc/keys.list", { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await both("/trpc/keys.list", { "x-api-key": keys[0]! }, { "x-api-key": keys[1]! })).status).toBe(401);
  });

  test("errors: no credentials, a bad key, bad input, malformed input, not found", async () => {
    expect((await both("/trpc/auth.me")).status).toBe(401);
    expect((await both("/trpc/auth.me", { "x-api-key": `argus_${"0".repeat(43)}` })).status).toBe(401);
    const bad = await both(`/trpc/articles.latest?input=${input({ json: { limit: 0 } })}`, { "x-api-key": keys[0]! }, { "x-api-key": keys[1]! });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.json.data.details[0].field).toBe("limit");
    expect((await both("/trpc/articles.latest?input=%7Bnope", { "x-api-key": keys[0]! }, { "x-api-key": keys[1]! })).status).toBe(400);
    const missing = await both(`/trpc/articles.byId?input=${input({ json: { id: "no-such-article" } })}`, { "x-api-key": keys[0]! }, { "x-api-key": keys[1]! });
    expect(missing.status).toBe(404);
  });

  test("429 with the rate-limit headers and Retry-After", async () => {
    expect((await both("/trpc/auth.me", { "x-api-key": limited[0]! }, { "x-api-key": limited[1]! })).status).toBe(200);
    const denied = await both("/trpc/auth.me", { "x-api-key": limited[0]! }, { "x-api-key": limited[1]! });
    expect(denied.status).toBe(429);
    expect(denied.headers["retry-after"]).toMatch(/^\d+$/);
    expect(denied.headers["x-ratelimit-remaining"]).toBe("0");
  });

  test("batches: all good, mixed (207), bad batch input", async () => {
    const ok = await both(`/trpc/articles.latest,auth.me?batch=1&input=${input({ 0: { json: { limit: 1 } } })}`, { "x-api-key": keys[0]! }, { "x-api-key": keys[1]! });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toHaveLength(2);
    const mixed = await both(`/trpc/articles.latest,keys.list?batch=1`, { "x-api-key": keys[0]! }, { "x-api-key": keys[1]! });
    expect(mixed.status).toBe(207);
    // Batch input must be an object keyed by index: a number and an array are both refused.
    expect((await both(`/trpc/articles.latest?batch=1&input=${input(1)}`, { "x-api-key": keys[0]! }, { "x-api-key": keys[1]! })).status).toBe(400);
    expect((await both(`/trpc/articles.latest?batch=1&input=${input([{ json: { limit: 1 } }])}`, { "x-api-key": keys[0]! }, { "x-api-key": keys[1]! })).status).toBe(400);
  });

  test("a fragment after the query is no part of it, as tRPC's URL parsing has it", async () => {
    // fetch() never sends a fragment; a raw client can, and Bun keeps it in req.url.
    const q = `?input=${input({ json: { limit: 2 } })}`;
    const read = async (res: Response) => ({ status: res.status, body: await res.text() });
    const direct = await read(await h.app.request(`/trpc/articles.latest${q}#frag`, { headers: { "x-api-key": keys[0]! } }));
    const adapter = await read(await h.app.request(`/trpc/articles.latest${q}&via=adapter#frag`, { headers: { "x-api-key": keys[1]! } }));
    expect(direct).toEqual(adapter);
    expect(direct.status).toBe(200);
    expect(JSON.parse(direct.body).result.data.json).toHaveLength(2);
  });

  test("the typed client (batched) still works end to end", async () => {
    const client = createArgusClient({ url: srv.url, apiKey: keys[0]! });
    const [latest, me] = await Promise.all([client.articles.latest.query({ limit: 2 }), client.auth.me.query()]);
    expect(latest).toHaveLength(2);
    expect(latest[0]!.publishedAt).toBeInstanceOf(Date);
    expect("key" in me && me.key.name).toBe("key");
  });
});

describe("which requests take the direct path", () => {
  test("GET queries, single or batched; everything else falls through to the adapter", async () => {
    const { direct } = directQueries({
      router: appRouter, endpoint: "/trpc", maxBatchSize: 50,
      createContext: async (c) => ({ core: h.core, principal: null, authError: null, clientIp: c.get("clientIp"), rate: {} }),
      answerMeta: () => ({}), onError: () => {},
    });
    const app = new Hono<AppEnv>();
    app.use("*", frame(h.core));
    app.all("/trpc/*", async (c): Promise<Response> => (await direct(c)) ?? new Response("adapter", { status: 299 }));
    const taken = async (path: string, init: RequestInit = {}) => (await app.request(path, init)).status !== 299;
    expect(await taken("/trpc/articles.latest")).toBe(true);
    expect(await taken(`/trpc/articles.latest?input=${input({ json: { limit: 1 } })}`)).toBe(true);
    expect(await taken("/trpc/articles.latest,auth.me?batch=1")).toBe(true);
    expect(await taken("/trpc/articles.latest?x=1")).toBe(false);
    expect(await taken("/trpc/articles.latest,auth.me")).toBe(false); // not a batch: one unknown name
    expect(await taken("/trpc/articles.upsert")).toBe(false); // a mutation
    expect(await taken("/trpc/nope")).toBe(false);
    expect(await taken(`/trpc/${Array(51).fill("auth.me").join(",")}?batch=1`)).toBe(false);
    expect(await taken("/trpc/auth.me", { method: "POST" })).toBe(false);
    expect(await taken("/trpc/auth.me", { headers: { "trpc-accept": "application/jsonl" } })).toBe(false);
    expect(await taken("/trpc/auth.me", { headers: { "content-type": "application/json" } })).toBe(false);
  });
});
