import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../client/index.ts";
import { listen } from "../support/harness.ts";
import { article, body, HOUR, setup, store, T0, type Setup } from "./fixtures.ts";
import { codeOf } from "../support/trpc.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let s: Setup;
let srv: ReturnType<typeof listen>;
beforeEach(async () => {
  s = await setup();
  srv = listen(s.h);
});
afterEach(async () => {
  srv.stop();
  await s.h.close();
});

const as = (auth: { token?: string; apiKey?: string } = {}) => createArgusClient({ url: srv.url, ...auth });

describe("tRPC articles.* reads", () => {
  test("latest, byId and list answer Dates, newest first, same as REST", async () => {
    await store(s, [1, 2, 3].map((n) => article(n, { tags: ["t"] })));
    const client = as({ apiKey: s.readKey });
    const latest = await client.articles.latest.query();
    expect(latest.map((a) => a.title)).toEqual(["Article number 3", "Article number 2", "Article number 1"]);
    expect(latest[0]!.publishedAt).toBeInstanceOf(Date);
    expect(await client.articles.latest.query({ limit: 1 })).toHaveLength(1);

    const one = await client.articles.byId.query({ id: latest[1]!.id });
    expect(one).toEqual(latest[1]!);
    const rest = (await body(await s.h.request(`/api/v1/articles/${one.id}`, { apiKey: s.readKey }))).data;
    expect(rest).toEqual(JSON.parse(JSON.stringify(one)));
    expect(await codeOf(client.articles.byId.query({ id: crypto.randomUUID() }))).toBe("NOT_FOUND");
  });

  test("list pages with nextCursor the way useInfiniteQuery follows it, filters take Dates", async () => {
    await store(s, Array.from({ length: 7 }, (_, i) => article(i, { source: i % 2 ? "BBC" : "Reuters" })));
    const client = as({ token: s.user.token });
    const seen: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      // 7 articles at 3 a page is 3 pages; a cursor that never ends fails here instead of looping forever.
      if (++pages > 3) throw new Error(`still paging after 3 pages (seen ${seen.length}: ${seen.join(", ")})`);
      const page = await client.articles.list.query({ limit: 3, cursor });
      expect(page.hasMore).toBe(page.nextCursor !== null);
      expect(page.items.length).toBe(pages < 3 ? 3 : 1);
      seen.push(...page.items.map((a) => a.title));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0].map((n) => `Article number ${n}`));

    const filtered = await client.articles.list.query({ source: "BBC", since: new Date(T0 + 3 * HOUR), until: new Date(T0 + 5 * HOUR) });
    expect(filtered.items.map((a) => a.title)).toEqual(["Article number 3"]);
    expect((await client.articles.list.query({ q: `NEAR(a b) ') OR 1=1 -- "*` })).items).toEqual([]);
    expect(await codeOf(client.articles.list.query({ cursor: "garbage" }))).toBe("BAD_REQUEST");
  });

  test("each key-authenticated call carries the rate-limit headers; anonymous calls are refused", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { limit: 1 } }));
    const res = await fetch(`${srv.url}/trpc/articles.latest?input=${input}`, { headers: { "x-api-key": s.readKey } });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-RateLimit-Limit")).toBe("100");
    expect(await codeOf(as().articles.latest.query())).toBe("UNAUTHORIZED");
  });
});

describe("tRPC articles.* writes", () => {
  test("upsert returns { article, created } and never duplicates a url", async () => {
    const client = as({ apiKey: s.writeKey });
    const first = await client.articles.upsert.mutate({ ...article(1), publishedAt: new Date(T0) });
    expect(first.created).toBe(true);
    expect(first.article.publishedAt).toEqual(new Date(T0));
    const again = await client.articles.upsert.mutate(article(1, { title: "Second take" }));
    expect(again).toMatchObject({ created: false, article: { id: first.article.id, title: "Second take" } });
    const admin = await as({ token: s.admin.token }).articles.upsert.mutate(article(2));
    expect(admin.created).toBe(true);
  });

  test("upsertMany is all or nothing and counts created and updated", async () => {
    const client = as({ apiKey: s.writeKey });
    await store(s, [article(1)]);
    const res = await client.articles.upsertMany.mutate({ articles: [article(1), article(2), article(3)] });
    expect({ created: res.created, updated: res.updated, n: res.articles.length }).toEqual({ created: 2, updated: 1, n: 3 });
    const bad = client.articles.upsertMany.mutate({ articles: [article(4), { ...article(5), url: "mailto:x@y.z" }] });
    expect(await codeOf(bad)).toBe("BAD_REQUEST");
    expect(s.h.core.deps.db.$client.query("select count(*) as n from articles").get()).toEqual({ n: 3 });
  });

  test("scopes and roles hold: readers may not write, only admins delete", async () => {
    const a = await as({ apiKey: s.writeKey }).articles.upsert.mutate(article(1));
    for (const auth of [{ apiKey: s.readKey }, { token: s.user.token }]) {
      expect(await codeOf(as(auth).articles.upsert.mutate(article(2)))).toBe("FORBIDDEN");
      expect(await codeOf(as(auth).articles.upsertMany.mutate({ articles: [article(2)] }))).toBe("FORBIDDEN");
      expect(await codeOf(as(auth).articles.delete.mutate({ id: a.article.id }))).toBe("FORBIDDEN");
    }
    expect(await codeOf(as().articles.upsert.mutate(article(2)))).toBe("UNAUTHORIZED");
    expect(await as({ token: s.admin.token }).articles.delete.mutate({ id: a.article.id })).toEqual({ success: true });
    expect(await codeOf(as({ apiKey: s.writeKey }).articles.delete.mutate({ id: a.article.id }))).toBe("NOT_FOUND");
  });
});
