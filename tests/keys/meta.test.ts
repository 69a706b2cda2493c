import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { apiKeys } from "../../db/schema.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const meta = { team: "billing", env: "prod", owner: { id: 42, tags: ["a", "b"] } };

describe("key metadata", () => {
  test("set at creation, returned in the key record and the list", async () => {
    const u = await h.signUp();
    const res = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "m", meta } });
    expect(res.status).toBe(201);
    expect((await json(res)).data.meta).toEqual(meta);
    const list = await json(await h.request("/api/keys", { token: u.token }));
    expect(list.data[0].meta).toEqual(meta);
  });

  test("/api/auth/me tells a key principal which key it is, with its metadata; a JWT gets the bare user", async () => {
    const u = await h.signUp();
    const k = await h.createKey(u.token, { name: "labelled", meta });
    const viaKey = await json(await h.request("/api/auth/me", { apiKey: k.key }));
    expect(viaKey.data).toEqual({
      id: u.user.id, email: u.email, name: null, role: "user", isActive: true, createdAt: expect.any(String),
      key: { id: k.id, name: "labelled", keyPrefix: k.key.slice(0, 8), meta },
    });
    const viaJwt = await json(await h.request("/api/auth/me", { token: u.token }));
    expect(viaJwt.data).not.toHaveProperty("key");
    const plain = await h.createKey(u.token, { name: "plain" });
    expect((await json(await h.request("/api/auth/me", { apiKey: plain.key }))).data.key.meta).toBeNull();
  });

  test("over 1 KB, deeper than 3 levels, or not an object is a 400 and creates nothing", async () => {
    const u = await h.signUp();
    const atLimit = { v: "x".repeat(1024 - JSON.stringify({ v: "" }).length) };
    expect(Buffer.byteLength(JSON.stringify(atLimit))).toBe(1024);
    const ok = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "edge", meta: atLimit } });
    expect(ok.status).toBe(201);
    const okDeep = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "deep3", meta: { a: { b: [1] } } } });
    expect(okDeep.status).toBe(201); // the top-level object counts as the first level
    const okDeeper = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "deep3b", meta: { a: { b: { c: 1 } } } } });
    expect(okDeeper.status).toBe(201);

    const cases: [unknown, string][] = [
      [{ v: "x".repeat(1024) }, "must be at most 1024 bytes as JSON"],
      [{ v: "é".repeat(510) }, "must be at most 1024 bytes as JSON"], // 1,020 bytes of UTF-8 plus the wrapper
      [{ a: { b: { c: { d: 1 } } } }, "must nest at most 3 levels deep"],
      [{ a: [[[1]]] }, "must nest at most 3 levels deep"],
      [["not", "an", "object"], ""],
      ["text", ""],
    ];
    for (const [bad, message] of cases) {
      const res = await h.request("/api/keys", { method: "POST", token: u.token, json: { name: "bad", meta: bad } });
      expect(res.status).toBe(400);
      const body = await json(res);
      expect(body.details[0].field).toBe("meta");
      if (message) expect(body.details[0].message).toBe(message);
    }
    expect(h.core.deps.db.select().from(apiKeys).all()).toHaveLength(3);
  });

  test("an admin sets and clears it with PUT /api/admin/api-keys/:id; the key sees it at once", async () => {
    const admin = await h.signUp("admin");
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    await h.request("/api/auth/me", { apiKey: k.key }); // warm the key cache
    const put = await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { meta: { tier: "gold" } } });
    expect((await json(put)).data).toMatchObject({ id: k.id, meta: { tier: "gold" }, isActive: true });
    expect((await json(await h.request("/api/auth/me", { apiKey: k.key }))).data.key.meta).toEqual({ tier: "gold" });
    const bad = await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { meta: { a: { b: { c: {} } } } } });
    expect(bad.status).toBe(400);
    const cleared = await h.request(`/api/admin/api-keys/${k.id}`, { method: "PUT", token: admin.token, json: { meta: null } });
    expect((await json(cleared)).data.meta).toBeNull();
  });

  test("over tRPC: create with meta, auth.me with a key, and Dates are refused as non-JSON", async () => {
    const srv = listen(h);
    try {
      const u = await h.signUp();
      const client = createArgusClient({ url: srv.url, token: u.token });
      const k = await client.keys.create.mutate({ name: "t", meta });
      expect(k.meta).toEqual(meta);
      const asKey = createArgusClient({ url: srv.url, apiKey: k.key });
      expect(await asKey.auth.me.query()).toMatchObject({ id: u.user.id, key: { id: k.id, name: "t", meta } });
      await expect(client.keys.create.mutate({ name: "d", meta: { at: new Date() } })).rejects.toThrow("Validation failed");
    } finally {
      srv.stop();
    }
  });
});
