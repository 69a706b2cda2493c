import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

let h: Harness;
let srv: ReturnType<typeof listen>;
beforeEach(async () => {
  h = await createHarness({ rateLimitPerMinute: 6 });
  srv = listen(h);
});
afterEach(async () => {
  srv.stop();
  await h.close();
});

const zero = { ok: 0, rateLimited: 0, quotaExceeded: 0, forbidden: 0, ipNotAllowed: 0, revoked: 0, expired: 0, deactivated: 0, notFound: 0 };
const codeOf = (p: Promise<unknown>) => p.then(() => "OK", (e) => e.code as string);
const article = { title: "t", url: "https://x.example.com/1", source: "s", publishedAt: new Date("2026-11-01T00:00:00Z") };
/** Dates as the REST door writes them. */
const asJson = (v: unknown) => JSON.parse(JSON.stringify(v));

describe("usage over tRPC", () => {
  test("every call of a batch counts, by how it ended; keys.usage answers what the REST route answers", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const key = createArgusClient({ url: srv.url, apiKey: k.key });
    const owner = createArgusClient({ url: srv.url, token: u.token });
    // One HTTP request, four calls: two reads, a miss, a write without the scope.
    const first = await Promise.all([
      codeOf(key.articles.latest.query()), codeOf(key.articles.latest.query()),
      codeOf(key.articles.byId.query({ id: "no-such-article" })), codeOf(key.articles.upsert.mutate(article)),
    ]);
    expect(first).toEqual(["OK", "OK", "NOT_FOUND", "FORBIDDEN"]);
    // 6 tokens a minute, 4 spent: of the next four calls two pass.
    const second = await Promise.all(Array.from({ length: 4 }, () => codeOf(key.auth.me.query())));
    expect(second.sort()).toEqual(["OK", "OK", "TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);

    const usage = await owner.keys.usage.query({ id: k.id, granularity: "minute" });
    const totals = { ...zero, ok: 4, notFound: 1, forbidden: 1, rateLimited: 2 };
    expect(usage).toEqual({
      keyId: k.id, granularity: "minute", since: new Date("2026-11-28T11:01:00Z"), until: new Date("2026-11-28T12:01:00Z"),
      points: [{ start: new Date("2026-11-28T12:00:00Z"), ...totals }], totals,
    });
    expect(usage.points[0]!.start).toBeInstanceOf(Date);
    const rest = await (await h.request(`/api/keys/${k.id}/usage?granularity=minute`, { token: u.token })).json();
    expect((rest as any).data).toEqual(asJson(usage));
  });

  test("a refused key counts once per HTTP request (it is checked once), whatever the batch holds", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const owner = createArgusClient({ url: srv.url, token: u.token });
    await owner.keys.revoke.mutate({ id: k.id });
    const key = createArgusClient({ url: srv.url, apiKey: k.key });
    const codes = await Promise.all(Array.from({ length: 3 }, () => codeOf(key.articles.latest.query())));
    expect(codes).toEqual(["UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED"]);
    expect(await codeOf(key.articles.latest.query())).toBe("UNAUTHORIZED");
    expect((await owner.keys.usage.query({ id: k.id })).totals).toEqual({ ...zero, revoked: 2 });
  });

  test("quota exceeded, IP not allowed, expired and deactivated over tRPC", async () => {
    const u = await h.signUp();
    const admin = createArgusClient({ url: srv.url, token: (await h.signUp("admin")).token });
    const owner = createArgusClient({ url: srv.url, token: u.token });
    const metered = await h.createKey(u.token, { name: "metered", quota: { limit: 2, period: "day" } });
    const fenced = await h.createKey(u.token, { name: "fenced", allowedIps: ["203.0.113.0/24"] });
    const expiring = await h.createKey(u.token, { name: "expiring", expiresAt: new Date(h.clock.now() + 60_000).toISOString() });
    const switched = await h.createKey(u.token, { name: "switched" });
    const as = (k: { key: string }) => createArgusClient({ url: srv.url, apiKey: k.key });

    const spent = await Promise.all(Array.from({ length: 4 }, () => codeOf(as(metered).articles.latest.query())));
    expect(spent.sort()).toEqual(["OK", "OK", "TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);
    expect(await codeOf(as(fenced).auth.me.query())).toBe("FORBIDDEN"); // from 127.0.0.1
    await admin.admin.apiKeys.update.mutate({ id: switched.id, data: { isActive: false } });
    expect(await codeOf(as(switched).auth.me.query())).toBe("UNAUTHORIZED");
    h.clock.advance(120_000);
    expect(await codeOf(as(expiring).auth.me.query())).toBe("UNAUTHORIZED");

    const totals = async (id: string) => (await owner.keys.usage.query({ id, granularity: "day" })).totals;
    expect(await totals(metered.id)).toEqual({ ...zero, ok: 2, quotaExceeded: 2 });
    expect(await totals(fenced.id)).toEqual({ ...zero, ipNotAllowed: 1 });
    expect(await totals(switched.id)).toEqual({ ...zero, deactivated: 1 });
    expect(await totals(expiring.id)).toEqual({ ...zero, expired: 1 });
  });

  test("admin.keyUsage and admin.usage for admins; NOT_FOUND for another's key, FORBIDDEN for non-admins", async () => {
    const u = await h.signUp("user", "carol@example.com");
    const other = createArgusClient({ url: srv.url, token: (await h.signUp()).token });
    const admin = createArgusClient({ url: srv.url, token: (await h.signUp("admin")).token });
    const owner = createArgusClient({ url: srv.url, token: u.token });
    const k = await h.createKey(u.token, { name: "carol's" });
    const key = createArgusClient({ url: srv.url, apiKey: k.key });
    await key.articles.latest.query();
    await key.auth.me.query();

    expect(await codeOf(other.keys.usage.query({ id: k.id }))).toBe("NOT_FOUND");
    expect(await codeOf(owner.admin.keyUsage.query({ id: k.id }))).toBe("FORBIDDEN");
    expect(await codeOf(owner.admin.usage.query())).toBe("FORBIDDEN");
    expect(await codeOf(key.keys.usage.query({ id: k.id }))).toBe("UNAUTHORIZED");
    expect(await codeOf(owner.keys.usage.query({ id: k.id, granularity: "minute", since: new Date("2026-11-01T00:00:00Z") }))).toBe("BAD_REQUEST");

    const series = await admin.admin.keyUsage.query({ id: k.id, granularity: "day" });
    expect(series.points).toEqual([{ start: new Date("2026-11-28T00:00:00Z"), ...zero, ok: 2 }]);
    const totals = await admin.admin.usage.query({ since: new Date(h.clock.now() - 3_600_000) });
    expect(totals.keys).toEqual([{ keyId: k.id, name: "carol's", keyPrefix: k.key.slice(0, 8), userId: u.user.id, totals: { ...zero, ok: 2 } }]);
    expect(totals.users).toEqual([{ userId: u.user.id, email: "carol@example.com", totals: { ...zero, ok: 2 } }]);
    const rest = await (await h.request(`/api/admin/usage?since=${new Date(h.clock.now() - 3_600_000).toISOString()}`, { token: (await h.signUp("admin")).token })).json();
    expect((rest as any).data).toEqual(asJson(totals));
  });
});
