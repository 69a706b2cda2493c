import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { article, body, HOUR, setup, store, T0, type Setup } from "./fixtures.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let s: Setup;
beforeEach(async () => void (s = await setup()));
afterEach(() => s.h.close());

const get = (path: string, auth: { token?: string; apiKey?: string } = { token: s.user.token }) => s.h.request(path, auth);
const byNewest = (a: any, b: any) => b.publishedAt.localeCompare(a.publishedAt) || b.id.localeCompare(a.id);

describe("GET /api/v1/articles/latest", () => {
  test("answers newest publishedAt first to a read key, with rate-limit headers", async () => {
    await store(s, [article(3), article(1), article(5), article(2)]);
    const res = await get("/api/v1/articles/latest", { apiKey: s.readKey });
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b.success).toBe(true);
    expect(b.data.map((a: any) => a.title)).toEqual([5, 3, 2, 1].map((n) => `Article number ${n}`));
    expect(res.headers.get("X-RateLimit-Limit")).toBe("100");
    expect(res.headers.get("X-RateLimit-Remaining")).toBe("99"); // a fresh key, charged once
    expect(res.headers.get("X-RateLimit-Reset")).toMatch(/^\d+$/);
    expect(res.headers.get("RateLimit-Policy")).toBe('"default";q=100;w=60');
  });

  test("defaults to 20, accepts 1 to 100, rejects anything else with the field named", async () => {
    await store(s, Array.from({ length: 25 }, (_, i) => article(i)));
    expect((await body(await get("/api/v1/articles/latest"))).data).toHaveLength(20);
    expect((await body(await get("/api/v1/articles/latest?limit=100"))).data).toHaveLength(25);
    expect((await body(await get("/api/v1/articles/latest?limit=1"))).data[0].title).toBe("Article number 24");
    for (const bad of ["0", "101", "abc", "2.5"]) {
      const res = await get(`/api/v1/articles/latest?limit=${bad}`);
      expect(res.status).toBe(400);
      const b = await body(res);
      expect(b.code).toBe("BAD_REQUEST");
      expect(b.details[0].field).toBe("limit");
    }
  });

  test("breaks publishedAt ties by id, descending, the same way on every read", async () => {
    const same = new Date(T0).toISOString();
    await store(s, Array.from({ length: 6 }, (_, i) => article(i, { publishedAt: same })));
    const latest = (await body(await get("/api/v1/articles/latest"))).data;
    const ids = latest.map((a: any) => a.id);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(ids).toEqual([...ids].sort().reverse());
    const listed = (await body(await get("/api/v1/articles"))).data.map((a: any) => a.id);
    expect(listed).toHaveLength(6);
    expect(listed).toEqual(ids);
    expect((await body(await get("/api/v1/articles/latest"))).data.map((a: any) => a.id)).toEqual(ids);
  });

  test("needs a credential: none → 401, a bad key → 401, a user's JWT reads", async () => {
    const none = await get("/api/v1/articles/latest", {});
    expect(none.status).toBe(401);
    expect(await body(none)).toMatchObject({ success: false, code: "UNAUTHORIZED", error: "Authentication required" });
    const bad = await get("/api/v1/articles/latest", { apiKey: "argus_" + "0".repeat(32) });
    expect(bad.status).toBe(401);
    expect((await body(bad)).error).toBe("Invalid API key");
    const jwt = await get("/api/v1/articles/latest");
    expect(jwt.status).toBe(200);
    expect(jwt.headers.get("X-RateLimit-Limit")).toBeNull();
  });
});

describe("GET /api/v1/articles", () => {
  test("pages through every article exactly once while newer ones are being published", async () => {
    // Three articles per hour, so page boundaries fall inside runs of equal publishedAt.
    await store(s, Array.from({ length: 23 }, (_, i) => article(i, { publishedAt: new Date(T0 + Math.floor(i / 3) * HOUR).toISOString() })));
    const expected = (await body(await get("/api/v1/articles?limit=100"))).data.map((a: any) => a.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pageNo = 0; pageNo < 20; pageNo++) {
      const res = await get(`/api/v1/articles?limit=5${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const b = await body(res);
      seen.push(...b.data.map((a: any) => a.id));
      expect(b.meta.hasMore).toBe(b.meta.nextCursor !== null);
      await store(s, [article(1000 + pageNo, { publishedAt: new Date(T0 + (500 + pageNo) * HOUR).toISOString() })]);
      cursor = b.meta.nextCursor;
      if (!b.meta.hasMore) break;
    }
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(23);
  });

  test("a cursor it did not issue is a 400 naming the cursor", async () => {
    for (const bad of ["garbage", "!!!", Buffer.from('{"a":1}').toString("base64url"), Buffer.from('[1.5,"x"]').toString("base64url")]) {
      const res = await get(`/api/v1/articles?cursor=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(await body(res)).toMatchObject({ success: false, code: "BAD_REQUEST", details: [{ field: "cursor" }] });
    }
  });

  test("combines source, tag, since (inclusive), until (exclusive) and q", async () => {
    const at = (h: number) => new Date(T0 + h * HOUR).toISOString();
    await store(s, [
      article(1, { source: "BBC", tags: ["space"], title: "Rocket reaches orbit", publishedAt: at(0) }),
      article(2, { source: "BBC", tags: ["space"], title: "Rocket lands again", publishedAt: at(5) }),
      article(3, { source: "BBC", tags: ["space"], title: "Rocket explodes on pad", publishedAt: at(10) }),
      article(4, { source: "BBC", tags: ["space"], title: "Telescope image", summary: "no rocket here", publishedAt: at(4) }),
      article(5, { source: "Reuters", tags: ["space"], title: "Rocket IPO", publishedAt: at(5) }),
      article(6, { source: "BBC", tags: ["markets"], title: "Rocket stocks", publishedAt: at(5) }),
    ]);
    const q = `source=BBC&tag=space&since=${at(0)}&until=${at(10)}&q=rocket`;
    const titles = (await body(await get(`/api/v1/articles?${q}`))).data.map((a: any) => a.title);
    expect(titles).toEqual(["Rocket lands again", "Telescope image", "Rocket reaches orbit"]);
    const dated = (await body(await get(`/api/v1/articles?since=${at(5)}&until=${at(10)}`))).data;
    expect(dated.map((a: any) => a.url).sort()).toEqual([2, 5, 6].map((n) => `https://news.example.com/a/${n}`));
    expect((await get("/api/v1/articles?since=last-tuesday")).status).toBe(400);
  });

  test("full-text search: hostile input is text, never syntax, never a 500", async () => {
    await store(s, [
      article(1, { title: "Quantum computing breakthrough", summary: "NEAR the limit, AND beyond" }),
      article(2, { title: "Weather report", content: "A quantum of rain" }),
    ]);
    const hostile = ['"', '""', "*", "quantum*", "NEAR(a b)", "NEAR(quantum", "title:x", "') OR 1=1 --", "AND", "-", "quantum -",
      "OR", "(", ")", "^quantum", "quantum AND", '"quantum', "a\u0000b", "🙂", "NOT quantum", "{title summary}: x"];
    for (const q of hostile) {
      const res = await get(`/api/v1/articles?q=${encodeURIComponent(q)}`);
      expect({ q, status: res.status }).toEqual({ q, status: 200 });
      expect(Array.isArray((await body(res)).data)).toBe(true);
    }
    const found = async (q: string) =>
      (await body(await get(`/api/v1/articles?q=${encodeURIComponent(q)}`))).data.map((a: any) => a.title).sort();
    expect(await found("quantum")).toEqual(["Quantum computing breakthrough", "Weather report"]);
    expect(await found('quantum "')).toEqual(["Quantum computing breakthrough", "Weather report"]);
    expect(await found("QUANTUM near")).toEqual(["Quantum computing breakthrough"]);
    expect(await found("-")).toEqual([]);
    expect(await found("') OR 1=1 --")).toEqual([]);
    expect((await body(await get("/api/v1/articles?q="))).data).toHaveLength(2);
    expect(s.h.core.deps.db.$client.query("select count(*) as n from articles").get()).toEqual({ n: 2 });
  });

  test("random punctuation soup never breaks the search", async () => {
    await store(s, [article(1, { title: "alpha beta" })]);
    const alphabet = ['"', "'", "*", "^", ":", "(", ")", "{", "}", "-", "+", " ", "\u0000", "\n", "a", "NEAR", "AND", "OR", "NOT", "é", "1"];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 500; i++) {
      const q = Array.from({ length: 1 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
      const res = await s.h.request(`/api/v1/articles?limit=5&q=${encodeURIComponent(q)}`, { token: s.user.token });
      const b = await body(res);
      expect({ q, status: res.status, success: b.success, isArray: Array.isArray(b.data) }).toEqual({ q, status: 200, success: true, isArray: true });
      expect(b.data.length).toBeLessThanOrEqual(1); // one article stored: found or not, never anything else
    }
  });

  test("search follows updates: a replaced title is found by its new words only", async () => {
    await store(s, [article(1, { title: "Old headline" })]);
    await store(s, [article(1, { title: "Fresh headline" })]);
    expect((await body(await get("/api/v1/articles?q=old"))).data).toEqual([]);
    expect((await body(await get("/api/v1/articles?q=fresh"))).data).toHaveLength(1);
  });
});

describe("GET /api/v1/articles/:id", () => {
  test("returns the whole article, absent optional fields as null and tags as []", async () => {
    const [stored] = (await store(s, [article(7)])).articles;
    const res = await get(`/api/v1/articles/${stored!.id}`, { apiKey: s.readKey });
    expect(res.status).toBe(200);
    expect((await body(res)).data).toEqual({
      id: stored!.id, title: "Article number 7", url: "https://news.example.com/a/7", summary: null, content: null,
      source: "Reuters", author: null, tags: [], publishedAt: new Date(T0 + 7 * HOUR).toISOString(),
      createdAt: new Date(s.h.clock.now()).toISOString(), updatedAt: new Date(s.h.clock.now()).toISOString(),
    });
  });

  test("an unknown id is a 404 in the envelope, and other methods are a 405", async () => {
    const res = await get(`/api/v1/articles/${crypto.randomUUID()}`, { apiKey: s.readKey });
    expect(res.status).toBe(404);
    expect(await body(res)).toEqual({ success: false, error: "Article not found", code: "NOT_FOUND" });
    expect(res.headers.get("X-RateLimit-Remaining")).not.toBeNull();
    const put = await s.h.request(`/api/v1/articles/${crypto.randomUUID()}`, { method: "PUT", token: s.user.token, json: {} });
    expect(put.status).toBe(405);
    expect(put.headers.get("Allow")).toContain("DELETE");
  });
});
