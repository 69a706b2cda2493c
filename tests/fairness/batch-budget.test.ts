import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../packages/client/src/index.ts";
import { BATCH_ITEM_BUDGET } from "../../server/trpc/init.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// One tRPC batch of many list calls is answered as one body, serialized in one go: its calls share a budget of
// list items, so a batch of fifty 100-key pages is not 5,000 records. Past it, pages of one with a cursor.

let h: Harness;
let srv: ReturnType<typeof listen>;
let token: string;
let userId: string;
beforeAll(async () => {
  h = await createHarness();
  srv = listen(h);
  const s = await h.signUp();
  token = s.token;
  userId = s.user.id;
  for (let i = 0; i < 100; i++) await h.core.keys.create({ via: "jwt", userId, role: "user" } as any, { name: `k${i}` });
});
afterAll(async () => {
  srv.stop();
  await h.close();
});

describe("a tRPC batch's list items are bounded", () => {
  test("eight 100-key pages in one batch carry the budget, then pages of one; cursors still reach every key", async () => {
    const client = createArgusClient({ url: srv.url, token });
    const calls = await Promise.all(Array.from({ length: 8 }, () => client.keys.list.query({ limit: 100 })));
    const sizes = calls.map((c) => c.items.length);
    expect(sizes).toEqual([100, 100, 100, 100, 100, 1, 1, 1]);
    expect(sizes.reduce((a, b) => a + b)).toBe(BATCH_ITEM_BUDGET + 3);
    // A short page says there is more, and its cursor carries on where it stopped.
    const short = calls[5]!;
    expect(short.hasMore).toBe(true);
    const seen = new Set(short.items.map((k) => k.id));
    let cursor = short.nextCursor;
    while (cursor) {
      const next = await client.keys.list.query({ limit: 100, cursor });
      next.items.forEach((k) => seen.add(k.id));
      cursor = next.hasMore ? next.nextCursor : null;
    }
    expect(seen.size).toBe(100);
  });

  test("a budget is per request: the next batch starts afresh, and a lone call is never cut", async () => {
    const client = createArgusClient({ url: srv.url, token });
    const again = await Promise.all(Array.from({ length: 3 }, () => client.keys.list.query({ limit: 100 })));
    expect(again.map((c) => c.items.length)).toEqual([100, 100, 100]);
    const lone = await client.keys.list.query({ limit: 100 });
    expect(lone.items.length).toBe(100);
    expect(lone.hasMore).toBe(false);
  });

  test("the budget also bounds article pages in a batch", async () => {
    const admin = await h.signUp("admin");
    const key = (await h.createKey(admin.token, { name: "w", scopes: ["articles:read", "articles:write"] })).key;
    const at = new Date(h.clock.now() - 3_600_000).toISOString();
    const articles = Array.from({ length: 300 }, (_, i) => ({ title: `t${i}`, url: `https://x.test/${i}`, source: "s", publishedAt: at }));
    const res = await h.request("/api/v1/articles/batch", { method: "POST", apiKey: key, json: { articles } });
    expect(res.status).toBe(200);
    const client = createArgusClient({ url: srv.url, apiKey: key });
    const pages = await Promise.all(Array.from({ length: 4 }, () => client.articles.list.query({ limit: 100, source: "s" })));
    expect(pages.map((p) => p.items.length)).toEqual([100, 100, 100, 100]);
    const more = await Promise.all(Array.from({ length: 7 }, () => client.articles.list.query({ limit: 100, source: "s" })));
    expect(more.map((p) => p.items.length)).toEqual([100, 100, 100, 100, 100, 1, 1]);
    expect(more[6]!.hasMore).toBe(true);
  });
});
