import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";
import { parsePrometheus, valueOf } from "../support/prometheus.ts";
import { codeOf } from "../support/trpc.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const TOKEN = "scrape-token-0123456789";
const open: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function harness(overrides: Parameters<typeof createHarness>[0] = {}) {
  const h = await createHarness(overrides);
  const srv = listen(h);
  open.push(() => h.close(), () => srv.stop());
  return { h, srv };
}

/** One scrape over loopback, parsed strictly. */
async function scrape(url: string) {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  return parsePrometheus(await res.text());
}

async function makeAdmin(h: Harness) {
  const admin = await h.signUp("admin");
  const user = await h.signUp();
  return { admin, user };
}

describe("GET /metrics", () => {
  test("parses as Prometheus text and its counters move as requests are sent", async () => {
    const { h, srv } = await harness({ rateLimitPerMinute: 3 });
    const { admin, user } = await makeAdmin(h);
    const key = await h.createKey(user.token);
    const revoked = await h.createKey(user.token);
    const deactivated = await h.createKey(user.token);
    const expiring = await h.createKey(user.token, { name: "soon", expiresAt: new Date(h.clock.now() + 60_000).toISOString() });
    await h.request(`/api/keys/${revoked.id}`, { method: "DELETE", token: user.token });
    await h.request(`/api/admin/api-keys/${deactivated.id}`, { method: "PUT", token: admin.token, json: { isActive: false } });
    const before = await scrape(srv.url);

    for (let i = 0; i < 3; i++) expect((await h.request("/api/auth/me", { apiKey: key.key })).status).toBe(200);
    expect((await h.request("/api/auth/me", { apiKey: key.key })).status).toBe(429);
    expect((await h.request("/api/auth/me", { apiKey: revoked.key })).status).toBe(401);
    expect((await h.request("/api/auth/me", { apiKey: deactivated.key })).status).toBe(401);
    expect((await h.request("/api/auth/me", { apiKey: "argus_not-a-key" })).status).toBe(401);
    h.clock.advance(61_000);
    expect((await h.request("/api/auth/me", { apiKey: expiring.key })).status).toBe(401);
    const wrong = { email: user.email, password: "not the password" };
    expect((await h.request("/api/auth/login", { method: "POST", json: wrong })).status).toBe(401);
    await h.core.keys.flush(); // the uses' lastUsedAt, written behind
    const after = await scrape(srv.url);

    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    const me = { route: "/api/auth/me", method: "GET" };
    expect(delta("argus_http_requests_total", { ...me, status: "200" })).toBe(3);
    expect(delta("argus_http_requests_total", { ...me, status: "429" })).toBe(1);
    expect(delta("argus_http_requests_total", { ...me, status: "401" })).toBe(4);
    expect(delta("argus_http_request_duration_seconds_count", me)).toBe(8);
    expect(delta("argus_http_request_duration_seconds_bucket", { ...me, le: "+Inf" })).toBe(8);
    expect(delta("argus_key_verifications_total", { outcome: "ok" })).toBe(4); // the 429 passed the key check
    for (const outcome of ["revoked", "deactivated", "invalid", "expired"]) {
      expect(delta("argus_key_verifications_total", { outcome })).toBe(1);
    }
    expect(delta("argus_rate_limit_denials_total", { limit: "key" })).toBe(1);
    expect(delta("argus_login_failures_total")).toBe(1);
    // Each key was inserted through the writer thread before the first scrape; the uses' lastUsedAt after.
    expect(valueOf(before, "argus_sqlite_write_duration_seconds_count", { job: "keys.insert" })).toBe(4);
    expect(delta("argus_sqlite_write_duration_seconds_count", { job: "keys.touch" })).toBeGreaterThan(0);
    expect(after.get("argus_db_pending_jobs")?.samples.map((s) => s.labels.thread).sort()).toEqual(["reader", "writer"]);
    expect(valueOf(after, "argus_rate_limit_store_up")).toBe(1);
    expect(after.get("argus_hashing_queue_depth")?.type).toBe("gauge");
    // prom-client's process metrics, from this core's own registry.
    expect(valueOf(after, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(valueOf(after, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    // The scrapes themselves are requests too.
    expect(valueOf(after, "argus_http_requests_total", { route: "/metrics", method: "GET", status: "200" })).toBe(1);
  });

  test("an owner's deactivation, the invalid-key throttle and tRPC calls are counted", async () => {
    const { h, srv } = await harness();
    const { admin, user } = await makeAdmin(h);
    const key = await h.createKey(user.token);
    const before = await scrape(srv.url);
    const client = createArgusClient({ url: srv.url, apiKey: key.key });
    await client.auth.me.query();
    await Promise.all([client.auth.me.query(), client.articles.latest.query({ limit: 1 })]);
    await h.request(`/api/admin/users/${user.user.id}`, { method: "PUT", token: admin.token, json: { isActive: false } });
    expect(await codeOf(client.auth.me.query())).toBe("UNAUTHORIZED");
    for (let i = 0; i < 51; i++) await h.request("/api/auth/me", { apiKey: `argus_${"0".repeat(32)}` });
    const after = await scrape(srv.url);
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

    expect(delta("argus_http_requests_total", { route: "/trpc/auth.me", method: "GET", status: "200" })).toBe(1);
    expect(delta("argus_http_requests_total", { route: "/trpc/(batch)", method: "GET", status: "200" })).toBe(1);
    expect(delta("argus_http_requests_total", { route: "/trpc/auth.me", method: "GET", status: "401" })).toBe(1);
    expect(delta("argus_key_verifications_total", { outcome: "owner_deactivated" })).toBe(1);
    expect(delta("argus_key_verifications_total", { outcome: "invalid" })).toBe(51);
    expect(delta("argus_rate_limit_denials_total", { limit: "invalid_key" })).toBe(1);
  });

  test("the limiter store gauge reads 0 while the configured Redis is unreachable", async () => {
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true); // nothing listens there now
    const { h, srv } = await harness({ redisUrl: `redis://127.0.0.1:${port}` });
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    expect(h.core.deps.limiter.health()).toBe("degraded");
    expect((await h.request("/api/auth/me", { apiKey: key.key })).status).toBe(200);
    expect(valueOf(await scrape(srv.url), "argus_rate_limit_store_up")).toBe(0);
    // The same gauge reads 1 on a store that answers (the in-process one).
    const healthy = await harness();
    expect(valueOf(await scrape(healthy.srv.url), "argus_rate_limit_store_up")).toBe(1);
  });
});

describe("who may read /metrics", () => {
  const notFound = async (res: Response) => {
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ success: false, code: "NOT_FOUND", error: "No route for GET /metrics" });
  };

  test("a loopback client reads it without a token", async () => {
    const { srv } = await harness();
    expect((await fetch(`${srv.url}/metrics`)).status).toBe(200);
  });

  test("anyone else gets the ordinary 404, with or without a wrong token, and no 405 for other methods", async () => {
    const { h } = await harness({ metricsToken: TOKEN });
    // app.request() has no socket: the caller is not loopback.
    await notFound(await h.request("/metrics"));
    await notFound(await h.request("/metrics", { token: "wrong-token-0123456789" }));
    await notFound(await h.request("/metrics", { headers: { authorization: TOKEN } }));
    const post = await h.request("/metrics", { method: "POST", token: TOKEN });
    expect(post.status).toBe(404);
    expect(post.headers.get("allow")).toBeNull();
  });

  test("the token opens it to a remote caller", async () => {
    const { h } = await harness({ metricsToken: TOKEN });
    const res = await h.request("/metrics", { token: TOKEN });
    expect(res.status).toBe(200);
    expect(parsePrometheus(await res.text()).has("argus_http_requests_total")).toBe(true);
  });

  test("behind a trusted proxy the forwarded address decides, not the proxy's loopback socket", async () => {
    const { srv } = await harness({ trustProxy: true });
    await notFound(await fetch(`${srv.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.7" } }));
    expect((await fetch(`${srv.url}/metrics`, { headers: { "x-forwarded-for": "127.0.0.1" } })).status).toBe(200);
  });

  test("ARGUS_METRICS=false turns the endpoint off, even for loopback and the token", async () => {
    const { h, srv } = await harness({ metrics: false, metricsToken: TOKEN });
    await notFound(await fetch(`${srv.url}/metrics`));
    await notFound(await h.request("/metrics", { token: TOKEN }));
    expect(h.core.deps.metrics).toBeUndefined();
  });

  test("two cores in one process keep separate counters", async () => {
    const a = await harness();
    const b = await harness();
    await a.h.request("/api/health");
    await a.h.request("/api/health");
    const health = { route: "/api/health", method: "GET", status: "200" };
    expect(valueOf(await scrape(a.srv.url), "argus_http_requests_total", health)).toBe(2);
    expect(valueOf(await scrape(b.srv.url), "argus_http_requests_total", health)).toBe(0);
  });
});
