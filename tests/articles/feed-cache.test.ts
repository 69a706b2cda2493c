import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { Database } from "bun:sqlite";
import superjson from "superjson";
import { createChangeCounter } from "../../db/changes.ts";
import { databaseFile } from "../../db/client.ts";
import { latestArticles, listArticles } from "../../server/core/stores/article-reads.ts";
import { argus, startServer } from "../cli/run.ts";
import { article, setup, store, type Setup } from "./fixtures.ts";

setDefaultTimeout(60_000);

// The feed pages (latest, the unfiltered first page) are served from memory while the database does not change.
// These tests pin what that must never change: the bytes of the answer, and that a write made anywhere (this
// process's API, the CLI, another server on the same file) shows on the very next request.

let s: Setup;
beforeAll(async () => {
  s = await setup();
  await store(s, [article(1), article(2), article(3)]);
});
afterAll(() => s.h.close(false));

const get = (path: string) => s.h.request(path, { apiKey: s.readKey });
const text = async (path: string) => {
  const res = await get(path);
  expect(res.status).toBe(200);
  return res.text();
};
/** What the answers must be, read from the database now, bypassing every cache. */
const uncached = {
  latest: (limit: number) => JSON.stringify({ success: true, data: latestArticles(s.h.core.deps.db.$client, limit) }),
  first: (limit: number) => {
    const page = listArticles(s.h.core.deps.db.$client, { limit } as never);
    return JSON.stringify({ success: true, data: page.items, meta: page.meta });
  },
  trpcLatest: (limit: number) => JSON.stringify({ result: { data: superjson.serialize(latestArticles(s.h.core.deps.db.$client, limit)) } }),
};
const trpcLatest = `/trpc/articles.latest?input=${encodeURIComponent(JSON.stringify({ json: { limit: 20 } }))}`;

/** Every cached answer, asked twice (a fill, then a hit), is byte for byte what the database says now. */
async function expectFresh() {
  for (let i = 0; i < 2; i++) {
    expect(await text("/api/v1/articles/latest?limit=20")).toBe(uncached.latest(20));
    expect(await text("/api/v1/articles/latest?limit=2")).toBe(uncached.latest(2));
    expect(await text("/api/v1/articles?limit=20")).toBe(uncached.first(20));
    expect(await text("/api/v1/articles?limit=2")).toBe(uncached.first(2));
    expect(await text(trpcLatest)).toBe(uncached.trpcLatest(20));
  }
}
const latestTitles = async () => ((await (await get("/api/v1/articles/latest?limit=100")).json()) as any).data.map((a: any) => a.title);

describe("feed pages from memory", () => {
  test("are byte for byte the uncached answer, REST and tRPC, page and meta included", async () => {
    await expectFresh();
    const page = JSON.parse(await text("/api/v1/articles?limit=2"));
    expect(page.meta).toEqual({ nextCursor: expect.any(String), hasMore: true });
    // A cached page and an uncached one (a cursor) join up: page 2 starts where page 1 ended.
    const next = JSON.parse(await text(`/api/v1/articles?limit=2&cursor=${page.meta.nextCursor}`));
    expect(next.data.map((a: any) => a.title)).toEqual(["Article number 1"]);
  });

  test("a write through this server's API shows on the next request", async () => {
    await expectFresh();
    const res = await s.h.request("/api/v1/articles", { method: "POST", apiKey: s.writeKey, json: article(10) });
    expect(res.status).toBe(201);
    expect((await latestTitles())[0]).toBe("Article number 10");
    await expectFresh();
    const del = await s.h.request(`/api/v1/articles/${((await res.json()) as any).data.id}`, { method: "DELETE", token: s.admin.token });
    expect(del.status).toBe(200);
    expect(await latestTitles()).not.toContain("Article number 10");
    await expectFresh();
  });

  test("a write by the CLI (another process) shows on the next request", async () => {
    await expectFresh();
    const before = await latestTitles();
    const run = await argus(["seed", "--demo"], { dataDir: s.h.dataDir });
    expect(run.code).toBe(0);
    const after = await latestTitles();
    expect(after.length).toBeGreaterThan(before.length);
    await expectFresh();
  });

  test("a write and a revocation by a second server on the same file show on the next request", async () => {
    await expectFresh();
    const other = await startServer(s.h.dataDir);
    try {
      const post = await fetch(`${other.url}/api/v1/articles`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": s.writeKey },
        body: JSON.stringify(article(11, { publishedAt: new Date(Date.now()).toISOString() })),
      });
      expect(post.status).toBe(201);
      expect((await latestTitles())[0]).toBe("Article number 11");
      await expectFresh();

      // The same holds for keys: revoked over there, refused here on the next request.
      const key = await s.h.createKey(s.user.token, { name: "revoked elsewhere" });
      expect((await s.h.request("/api/auth/me", { apiKey: key.key })).status).toBe(200);
      const revoke = await fetch(`${other.url}/api/keys/${key.id}`, { method: "DELETE", headers: { authorization: `Bearer ${s.user.token}` } });
      expect(revoke.status).toBe(200);
      const refused = await s.h.request("/api/auth/me", { apiKey: key.key });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as any).error).toBe("API key has been revoked");
    } finally {
      await other.stop();
    }
  });
});

describe("the change counter", () => {
  test("moves on a commit by another connection, by another process, and across a WAL checkpoint", async () => {
    const file = databaseFile(s.h.dataDir);
    const mine = new Database(file, { strict: true });
    const changes = createChangeCounter(mine);
    const other = new Database(file, { strict: true });
    const seen = [changes()];
    const expectMoved = () => {
      const now = changes();
      expect(seen).not.toContain(now);
      seen.push(now);
      expect(changes()).toBe(now); // and stays put while nothing commits
    };
    expect(changes()).toBe(seen[0]!);

    other.run("UPDATE users SET name = 'one' WHERE id = ?", [s.user.user.id]);
    expectMoved();
    mine.run("UPDATE users SET name = 'two' WHERE id = ?", [s.user.user.id]);
    expectMoved();
    const child = Bun.spawnSync(["bun", "-e", `
      const { Database } = require("bun:sqlite");
      const db = new Database(${JSON.stringify(file)});
      db.run("UPDATE users SET name = 'three' WHERE id = ?", [${JSON.stringify(s.user.user.id)}]);
      db.close();`]);
    expect(child.exitCode).toBe(0);
    expectMoved();
    other.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    changes(); // a checkpoint alone may or may not move it: no data changed
    seen.push(changes());
    other.run("UPDATE users SET name = NULL WHERE id = ?", [s.user.user.id]);
    expectMoved();
    mine.close();
    other.close();
  });

  test("falls back to PRAGMA data_version off WAL", async () => {
    const db = new Database(":memory:");
    const changes = createChangeCounter(db);
    expect(typeof changes()).toBe("number");
    db.close();
  });
});
