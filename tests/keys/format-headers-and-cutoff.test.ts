import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { crc32 } from "node:zlib";
import { eq } from "drizzle-orm";
import { apiKeys } from "../../db/schema.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
// Recomputed here from the contract's words, not imported from the server.
const checksum = (body: string) => (crc32(body) & 0xffffff).toString(16).padStart(6, "0");
const latest = (apiKey: string) => h.request("/api/v1/articles/latest", { apiKey });
const keyRow = (id: string) => h.core.deps.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()!;

describe("API key format and checksum", () => {
  test("a key from POST /api/keys ends in the low 24 bits of the CRC-32 of its first 32 characters", async () => {
    const u = await h.signUp();
    for (let i = 0; i < 5; i++) {
      const { key } = await h.createKey(u.token, { name: `k${i}` });
      expect(key).toMatch(/^argus_[0-9a-f]{32}$/);
      expect(key.slice(32)).toBe(checksum(key.slice(0, 32)));
      expect(key.slice(32)).toBe((Bun.hash.crc32(key.slice(0, 32)) & 0xffffff).toString(16).padStart(6, "0"));
    }
  });

  test("malformed keys are 401 Invalid API key without a database lookup", async () => {
    const u = await h.signUp();
    const { key } = await h.createKey(u.token);
    const random26 = key.slice(6, 32);
    const misspelled = `argas_${random26}`;
    const malformed = {
      "one hex short": key.slice(0, -1),
      "one hex long": `${key}0`,
      "uppercase hex": `argus_${random26.toUpperCase()}${key.slice(32).toUpperCase()}`,
      "prefix argas_ with a checksum that fits it": misspelled + checksum(misspelled),
      "an embedded space": `${key.slice(0, 19)} ${key.slice(20)}`,
    };
    // The uppercase variant must actually contain uppercase, or it would be the real key.
    expect(malformed["uppercase hex"]).not.toBe(key);

    // With the table gone, any lookup fails with a 500; a clean 401 proves none was made.
    h.core.deps.db.$client.exec("ALTER TABLE api_keys RENAME TO x");
    for (const [what, bad] of Object.entries(malformed)) {
      const res = await latest(bad);
      expect({ what, status: res.status }).toEqual({ what, status: 401 });
      expect(await json(res)).toEqual({ success: false, error: "Invalid API key", code: "UNAUTHORIZED" });
      expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    }
    // Control: the real key does reach the database, and with the table gone that is a 500.
    expect((await latest(key)).status).toBe(500);
    h.core.deps.db.$client.exec("ALTER TABLE x RENAME TO api_keys");
    expect((await latest(key)).status).toBe(200);
  });
});

describe("rate-limit headers on a 2xx key response", () => {
  test("the first request of a 100/min key: Reset is when the bucket is full again, 600 ms later", async () => {
    const u = await h.signUp();
    const { key } = await h.createKey(u.token);
    expect(h.clock.now()).toBe(T0);
    const res = await latest(key);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ success: true, data: [] });
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("99");
    expect(res.headers.get("x-ratelimit-reset")).toBe(String(Math.ceil((T0 + 600) / 1000)));
    expect(res.headers.get("ratelimit")).toBe('"default";r=99;t=1');
    expect(res.headers.get("ratelimit-policy")).toBe('"default";q=100;w=60');
  });

  test("a JWT request spends nothing and carries no rate-limit headers", async () => {
    const u = await h.signUp();
    const res = await h.request("/api/v1/articles/latest", { token: u.token });
    expect(res.status).toBe(200);
    for (const name of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit", "ratelimit-policy"]) {
      expect(res.headers.get(name)).toBeNull();
    }
  });
});

describe("a cut-off key fails on the very next /api/v1 request", () => {
  test("revoked by its owner: 401 API key has been revoked", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    expect((await latest(k.key)).status).toBe(200);
    const revoke = await h.request(`/api/keys/${k.id}`, { method: "DELETE", token: u.token });
    expect(await json(revoke)).toEqual({ success: true, data: null, message: "API key revoked" });
    const res = await latest(k.key);
    expect(res.status).toBe(401);
    expect(await json(res)).toEqual({ success: false, error: "API key has been revoked", code: "UNAUTHORIZED" });
    const row = keyRow(k.id);
    expect(row.revokedAt?.getTime()).toBe(T0);
    expect(row.isActive).toBe(false);
  });

  test("deactivated by an admin: 401 API key is deactivated", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    expect((await h.request("/api/v1/articles", { apiKey: k.key })).status).toBe(200);
    const put = await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { isActive: false } });
    expect(put.status).toBe(200);
    const res = await h.request("/api/v1/articles", { apiKey: k.key });
    expect(res.status).toBe(401);
    expect(await json(res)).toEqual({ success: false, error: "API key is deactivated", code: "UNAUTHORIZED" });
    expect(keyRow(k.id)).toMatchObject({ isActive: false, revokedAt: null });
  });
});
