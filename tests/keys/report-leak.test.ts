import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { LEAK_REPORTS_PER_MINUTE } from "../../server/core/key-lifecycle.ts";
import { generateKey } from "../../server/core/keyformat.ts";
import { apiKeys } from "../../db/schema.ts";
import { fromAddress } from "../support/from-address.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const report = (key: unknown, address = "198.51.100.7", headers: Record<string, string> = {}) =>
  h.app.request(
    "/api/keys/report-leak",
    { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ key }) },
    fromAddress(address),
  );
const row = (id: string) => h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()!;
const RECEIVED = { success: true, data: null, message: "Report received" };

describe("POST /api/keys/report-leak", () => {
  test("revokes a live key at once as leaked, without authentication; the owner sees it with includeRevoked", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    expect((await h.request("/api/auth/me", { apiKey: k.key })).status).toBe(200); // cached now
    h.clock.advance(2_000);
    const res = await report(k.key);
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual(RECEIVED);
    const after = await h.request("/api/auth/me", { apiKey: k.key });
    expect(after.status).toBe(401);
    expect((await json(after)).error).toBe("API key has been revoked");
    expect(row(k.id)).toMatchObject({ revokedReason: "leaked", isActive: false, revokedAt: new Date(h.clock.now()) });
    const listed = await json(await h.request("/api/keys?includeRevoked=true", { token: u.token }));
    expect(listed.data[0]).toMatchObject({ id: k.id, revokedReason: "leaked", revokedAt: "2026-11-28T12:00:02.000Z" });
  });

  test("answers live, revoked, unknown and malformed keys identically (status, headers that matter, body)", async () => {
    const u = await h.signUp();
    const live = await h.createKey(u.token, { name: "live" });
    const revoked = await h.createKey(u.token, { name: "revoked" });
    await h.request(`/api/keys/${revoked.id}`, { method: "DELETE", token: u.token, json: { reason: "old" } });
    const answers = [];
    for (const key of [live.key, revoked.key, generateKey(), "argus_not-a-key", "", "x".repeat(200)]) {
      const res = await report(key);
      answers.push({ status: res.status, type: res.headers.get("content-type"), retry: res.headers.get("retry-after"), body: await res.text() });
    }
    for (const a of answers) expect(a).toEqual({ status: 202, type: "application/json", retry: null, body: JSON.stringify(RECEIVED) });
    // The already-revoked key keeps the reason it had.
    expect(row(revoked.id).revokedReason).toBe("old");
    expect(row(live.id).revokedReason).toBe("leaked");
  });

  test("a body without a string key is a 400; a non-JSON body a 415", async () => {
    for (const body of [{}, { key: 5 }, { key: "x".repeat(201) }, { key: "k", extra: 1 }]) {
      const res = await h.request("/api/keys/report-leak", { method: "POST", json: body });
      expect(res.status).toBe(400);
      expect((await json(res)).code).toBe("BAD_REQUEST");
    }
    const res = await h.request("/api/keys/report-leak", { method: "POST", body: "key=argus_x", headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(415);
  });

  test(`is throttled per address: ${LEAK_REPORTS_PER_MINUTE} a minute, then 429 with Retry-After; nothing revoked past it`, async () => {
    const u = await h.signUp();
    for (let i = 0; i < LEAK_REPORTS_PER_MINUTE; i++) expect((await report(generateKey(), "203.0.113.9")).status).toBe(202);
    const k = await h.createKey(u.token);
    const refused = await report(k.key, "203.0.113.9");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await json(refused)).toMatchObject({ success: false, code: "TOO_MANY_REQUESTS" });
    expect(row(k.id).revokedAt).toBeNull();
    // Another address is not affected; the first one may report again once its bucket refills.
    expect((await report(generateKey(), "2001:db8::9")).status).toBe(202);
    h.clock.advance(60_000);
    expect((await report(k.key, "203.0.113.9")).status).toBe(202);
    expect(row(k.id).revokedReason).toBe("leaked");
  });

  test("tRPC keys.reportLeak revokes the same way, with any or no credential", async () => {
    const srv = listen(h);
    try {
      const u = await h.signUp();
      const k = await h.createKey(u.token);
      const anon = createArgusClient({ url: srv.url });
      expect(await anon.keys.reportLeak.mutate({ key: k.key })).toEqual({ success: true });
      expect(await anon.keys.reportLeak.mutate({ key: "garbage" })).toEqual({ success: true });
      expect(row(k.id).revokedReason).toBe("leaked");
      const withDeadKey = createArgusClient({ url: srv.url, apiKey: k.key });
      expect(await withDeadKey.keys.reportLeak.mutate({ key: generateKey() })).toEqual({ success: true });
    } finally {
      srv.stop();
    }
  });
});
