import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { listen } from "../support/harness.ts";
import { article, body, HOUR, setup, store, T0, type Setup } from "./fixtures.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let s: Setup;
beforeEach(async () => void (s = await setup()));
afterEach(() => s.h.close());

const post = (json: unknown, auth: { token?: string; apiKey?: string } = { apiKey: s.writeKey }, path = "/api/v1/articles") =>
  s.h.request(path, { method: "POST", json, ...auth });
const sqlite = () => s.h.core.deps.db.$client;
const rowsFor = (url: string) => sqlite().query("select id from articles where url = ?").all(url) as { id: string }[];
const tagsOf = (id: string) =>
  (sqlite().query("select t.tag from article_tags t join articles a on a.seq = t.article_seq where a.id = ? order by t.tag").all(id) as { tag: string }[]).map((r) => r.tag);

describe("POST /api/v1/articles", () => {
  test("creates with a write key (201), then the same url replaces it in place (200)", async () => {
    const first = await post(article(1, { summary: "s", author: "Ann", content: "c" }));
    expect(first.status).toBe(201);
    const a = await body(first);
    expect(a).toMatchObject({ success: true, message: "Article created", data: { title: "Article number 1", author: "Ann" } });
    expect(first.headers.get("X-RateLimit-Limit")).toBe("100");

    s.h.clock.advance(60_000);
    const second = await post(article(1, { title: "Renamed" }));
    expect(second.status).toBe(200);
    const b = (await body(second)).data;
    expect(b).toMatchObject({ id: a.data.id, title: "Renamed", summary: null, author: null, content: null, createdAt: a.data.createdAt });
    expect(Date.parse(b.updatedAt) - Date.parse(a.data.updatedAt)).toBe(60_000);
    expect(rowsFor(article(1).url)).toEqual([{ id: a.data.id }]);
  });

  test("a write key stops writing when its owner is demoted from admin", async () => {
    const owner = await s.h.signUp("admin");
    const key = (await s.h.createKey(owner.token, { name: "w", scopes: ["articles:read", "articles:write"] })).key;
    expect((await post(article(1), { apiKey: key })).status).toBe(201);
    await s.h.core.users.adminUpdate(owner.user.id, { role: "user" });
    const res = await post(article(2), { apiKey: key });
    expect(res.status).toBe(403);
    expect((await body(res)).error).toBe("Admin access required");
    expect(rowsFor(article(2).url)).toHaveLength(0);
  });

  test("trims and de-duplicates tags and keeps article_tags in step on every write", async () => {
    const created = (await body(await post(article(1, { tags: [" ai ", "ai", "chips"] })))).data;
    expect(created.tags).toEqual(["ai", "chips"]);
    expect(tagsOf(created.id)).toEqual(["ai", "chips"]);
    await post(article(1, { tags: ["policy"] }));
    expect(tagsOf(created.id)).toEqual(["policy"]);
    const byTag = async (t: string) => body(await s.h.request(`/api/v1/articles?tag=${t}`, { token: s.user.token }));
    expect((await byTag("policy")).data).toHaveLength(1);
    expect((await byTag("ai")).data).toEqual([]);
  });

  test("writes need articles:write or an admin JWT: 401 without credentials, 403 otherwise, even for bad bodies", async () => {
    expect((await post(article(1), {})).status).toBe(401);
    for (const auth of [{ apiKey: s.readKey }, { token: s.user.token }, { apiKey: s.adminReadKey }]) {
      for (const json of [article(1), { title: "" }]) {
        const res = await post(json, auth);
        expect(res.status).toBe(403);
        const error = auth.apiKey ? "This action requires the articles:write scope" : "Admin access required";
        expect(await body(res)).toMatchObject({ success: false, code: "FORBIDDEN", error });
        if (auth.apiKey) expect(res.headers.get("X-RateLimit-Remaining")).toMatch(/^\d+$/);
      }
    }
    expect(rowsFor(article(1).url)).toEqual([]);
    expect((await post(article(1), { token: s.admin.token })).status).toBe(201);
  });

  test("publishedAt more than 24 hours ahead (or before 1900) is a 400 and stores nothing; within 24 hours is fine", async () => {
    const now = s.h.clock.now();
    const ahead = (ms: number) => new Date(now + ms).toISOString();
    const far = await post(article(1, { publishedAt: ahead(24 * HOUR + 1000) }));
    expect(far.status).toBe(400);
    expect((await body(far)).details).toEqual([{ field: "publishedAt", message: "must be at most 24 hours in the future" }]);
    const old = await post(article(2, { publishedAt: "1899-12-31T23:59:59Z" }));
    expect(old.status).toBe(400);
    expect((await body(old)).details[0].field).toBe("publishedAt");
    const batch = await post({ articles: [article(3), article(4, { publishedAt: ahead(25 * HOUR) })] }, undefined, "/api/v1/articles/batch");
    expect(batch.status).toBe(400);
    expect((await body(batch)).details[0].field).toBe("articles.1.publishedAt");
    expect(sqlite().query("select count(*) as n from articles").get()).toEqual({ n: 0 });
    expect((await post(article(5, { publishedAt: ahead(23 * HOUR) }))).status).toBe(201);
  });

  test("names every invalid field", async () => {
    const res = await post({
      title: " ", url: "javascript:alert(1)", source: "", summary: "x".repeat(5001), content: "x".repeat(200_001),
      author: "x".repeat(201), tags: ["ok", "x".repeat(51)], publishedAt: "yesterday",
    });
    expect(res.status).toBe(400);
    const b = await body(res);
    expect(b.code).toBe("BAD_REQUEST");
    expect(b.details.map((d: any) => d.field).sort()).toEqual(
      ["author", "content", "publishedAt", "source", "summary", "tags.1", "title", "url"],
    );
    const bad = async (over: Record<string, unknown>) => (await body(await post(article(2, over)))).details?.[0]?.field;
    expect(await bad({ url: "ftp://example.com/x" })).toBe("url");
    expect(await bad({ url: `https://example.com/${"x".repeat(2048)}` })).toBe("url");
    expect(await bad({ publishedAt: "2026-13-01" })).toBe("publishedAt");
    expect(await bad({ publishedAt: "Tue, 08 Feb 2026 03:00:00 GMT" })).toBe("publishedAt");
    expect(await bad({ publishedAt: 1770519600000 })).toBe("publishedAt");
    expect(await bad({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })).toBe("tags");
    expect(await bad({ title: "x".repeat(501) })).toBe("title");
    expect(await bad({ source: "x".repeat(101) })).toBe("source");
  });

  test("accepts ISO date-times with any zone, and plain dates as UTC midnight", async () => {
    const at = async (n: number, publishedAt: string) => (await body(await post(article(n, { publishedAt })))).data.publishedAt;
    expect(await at(1, "2026-02-08T05:00:00+02:00")).toBe("2026-02-08T03:00:00.000Z");
    expect(await at(2, "2026-02-08")).toBe("2026-02-08T00:00:00.000Z");
  });

  test("20 concurrent posts of one url over a real socket leave exactly one row", async () => {
    const server = listen(s.h);
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`${server.url}/api/v1/articles`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-api-key": s.writeKey },
            body: JSON.stringify(article(1, { title: `Take ${i}` })),
          }).then(async (r) => ({ status: r.status, id: (await body(r)).data.id })),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 200)).toHaveLength(19);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(rowsFor(article(1).url)).toEqual([{ id: results[0]!.id }]);
    } finally {
      server.stop();
    }
  });

  test("processes upserting one url at once still make exactly one row", async () => {
    // Separate processes on one database file: only the unique index and ON CONFLICT keep this to one row.
    // A real start barrier: each worker boots, says "ready", and waits for a "go" line on stdin; the parent
    // sends "go" only once all four are ready.
    const worker = `
      import { bootCore } from ${JSON.stringify(`${import.meta.dir}/../../server/boot.ts`)};
      import { testConfig } from ${JSON.stringify(`${import.meta.dir}/../../server/config.ts`)};
      const core = await bootCore(testConfig({ dataDir: ${JSON.stringify(s.h.dataDir)}, logLevel: "silent" }));
      console.log("ready");
      let line = "";
      for await (const chunk of Bun.stdin.stream()) {
        line += new TextDecoder().decode(chunk);
        if (line.includes("\\n")) break;
      }
      if (line.trim() !== "go") throw new Error("expected go on stdin, got " + JSON.stringify(line));
      let created = 0;
      for (let i = 0; i < 100; i++) {
        if ((await core.articles.upsert({ title: "t" + i, url: "https://race.example.com/x", source: "S", tags: ["race"], publishedAt: new Date() })).created) created++;
      }
      await core.close();
      console.log(created);`;
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
    const procs = Array.from({ length: 4 }, () =>
      Bun.spawn(["bun", "-e", worker], { env, stdin: "pipe", stdout: "pipe", stderr: "pipe", timeout: 30_000, killSignal: "SIGKILL" }),
    );
    try {
      const outs = procs.map((p) => lineReader(p.stdout));
      const errs = procs.map((p) => new Response(p.stderr).text());
      const ready = await Promise.all(outs.map((o, i) => o.line().catch(async (e) => `${e.message}; stderr: ${await errs[i]}`)));
      expect(ready).toEqual(["ready", "ready", "ready", "ready"]);
      for (const p of procs) {
        p.stdin.write("go\n");
        await p.stdin.end();
      }
      const results = await Promise.all(
        procs.map(async (p, i) => ({ code: await p.exited, stdout: await outs[i]!.rest(), stderr: await errs[i]! })),
      );
      for (const r of results) expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: expect.stringMatching(/^\d+\n$/), stderr: "" });
      const created = results.map((r) => Number(r.stdout.trim()));
      for (const n of created) expect(Number.isInteger(n) && n >= 0 && n <= 100).toBe(true);
      expect(created.reduce((a, b) => a + b, 0)).toBe(1);
    } finally {
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
      await Promise.all(procs.map((p) => p.exited));
    }
    const rows = rowsFor("https://race.example.com/x");
    expect(rows).toHaveLength(1);
    expect(tagsOf(rows[0]!.id)).toEqual(["race"]);
    expect(sqlite().query("select title from articles where url = ?").get("https://race.example.com/x")).toEqual({ title: expect.stringMatching(/^t\d+$/) });
  });
});

/** Reads a child's stdout line by line, then whatever is left. */
function lineReader(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let done = false;
  return {
    async line(): Promise<string> {
      while (!buffered.includes("\n")) {
        if (done) throw new Error(`stdout ended before a full line: ${JSON.stringify(buffered)}`);
        const chunk = await reader.read();
        if (chunk.done) done = true;
        else buffered += decoder.decode(chunk.value, { stream: true });
      }
      const at = buffered.indexOf("\n");
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      return line;
    },
    async rest(): Promise<string> {
      while (!done) {
        const chunk = await reader.read();
        if (chunk.done) done = true;
        else buffered += decoder.decode(chunk.value, { stream: true });
      }
      return buffered;
    },
  };
}

describe("POST /api/v1/articles/batch", () => {
  test("upserts many in one request and counts created and updated", async () => {
    await store(s, [article(1), article(2)]);
    const res = await post({ articles: [1, 2, 3, 4, 5].map((n) => article(n, { tags: ["batch"] })) }, undefined, "/api/v1/articles/batch");
    expect(res.status).toBe(200);
    const { data } = await body(res);
    expect(data.created).toBe(3);
    expect(data.updated).toBe(2);
    expect(data.articles.map((a: any) => a.title)).toEqual([1, 2, 3, 4, 5].map((n) => `Article number ${n}`));
    expect(sqlite().query("select count(*) as n from article_tags where tag = 'batch'").get()).toEqual({ n: 5 });
  });

  test("one invalid item writes nothing and the 400 names the item", async () => {
    const items = [0, 1, 2, 3, 4].map((n) => article(n));
    items[3] = article(3, { url: "not a url" });
    const res = await post({ articles: items }, { token: s.admin.token }, "/api/v1/articles/batch");
    expect(res.status).toBe(400);
    expect((await body(res)).details).toEqual([{ field: "articles.3.url", message: "must be an http(s) URL" }]);
    expect(sqlite().query("select count(*) as n from articles").get()).toEqual({ n: 0 });
  });

  test("takes 1 to 500 articles; a read key may not post them", async () => {
    const many = (n: number) => ({ articles: Array.from({ length: n }, (_, i) => article(i)) });
    expect((await body(await post(many(500), undefined, "/api/v1/articles/batch"))).data.created).toBe(500);
    const tooMany = await post(many(501), undefined, "/api/v1/articles/batch");
    expect(tooMany.status).toBe(400);
    expect((await body(tooMany)).details[0].field).toBe("articles");
    expect((await post(many(0), undefined, "/api/v1/articles/batch")).status).toBe(400);
    expect((await post(many(1), { apiKey: s.readKey }, "/api/v1/articles/batch")).status).toBe(403);
  });

  // The body is parsed, validated and answered on the writer thread: the answers must be the REST door's own.
  test("bad bodies get the same envelopes as everywhere else and write nothing", async () => {
    const raw = (text: string) =>
      s.h.request("/api/v1/articles/batch", { method: "POST", token: s.admin.token, headers: { "content-type": "application/json" }, body: text });
    for (const text of ["", "{", "[1,"]) {
      const res = await raw(text);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ success: false, error: "Malformed JSON in request body", code: "BAD_REQUEST" });
    }
    const shapes: [string, unknown][] = [
      ["[]", [{ field: "(body)", message: "Invalid input: expected object, received array" }]],
      ["null", [{ field: "(body)", message: "Invalid input: expected object, received null" }]],
      ["{}", [{ field: "articles", message: "Invalid input: expected array, received undefined" }]],
    ];
    for (const [text, details] of shapes) {
      const res = await raw(text);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ success: false, error: "Validation failed", code: "BAD_REQUEST", details });
    }
    // A batch of one names the item, like any batch.
    const future = await raw(JSON.stringify({ articles: [article(1, { publishedAt: new Date(s.h.clock.now() + 25 * 3_600_000).toISOString() })] }));
    expect((await body(future)).details).toEqual([{ field: "articles.0.publishedAt", message: "must be at most 24 hours in the future" }]);
    expect(sqlite().query("select count(*) as n from articles").get()).toEqual({ n: 0 });

    const ok = await raw(JSON.stringify({ articles: [article(7, { title: "  Trimmed  ", tags: ["a", " a ", "b"] })] }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/json");
    const answer = await body(ok);
    expect(answer.message).toBe("1 created, 0 updated");
    expect(answer.data.articles[0]).toEqual({
      id: expect.any(String), title: "Trimmed", url: "https://news.example.com/a/7", summary: null, content: null,
      source: "Reuters", author: null, tags: ["a", "b"], publishedAt: new Date(T0 + 7 * HOUR).toISOString(),
      createdAt: new Date(s.h.clock.now()).toISOString(), updatedAt: new Date(s.h.clock.now()).toISOString(),
    });
  });
});

describe("DELETE /api/v1/articles/:id", () => {
  const del = (id: string, auth: { token?: string; apiKey?: string }) => s.h.request(`/api/v1/articles/${id}`, { method: "DELETE", ...auth });

  test("an admin deletes with a JWT or a write key; the tags and the search entry go too", async () => {
    const [a, b] = (await store(s, [article(1, { tags: ["x"], title: "Doomed headline" }), article(2)])).articles;
    const res = await del(a!.id, { token: s.admin.token });
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({ success: true, data: null, message: "Article deleted" });
    expect((await s.h.request(`/api/v1/articles/${a!.id}`, { token: s.user.token })).status).toBe(404);
    expect(tagsOf(a!.id)).toEqual([]);
    expect((await body(await s.h.request("/api/v1/articles?q=doomed", { token: s.user.token }))).data).toEqual([]);
    expect((await del(b!.id, { apiKey: s.writeKey })).status).toBe(200);
    expect((await del(b!.id, { apiKey: s.writeKey })).status).toBe(404);
  });

  test("anyone else gets 403, including a write key whose owner is no longer an admin", async () => {
    const [a] = (await store(s, [article(1)])).articles;
    expect((await del(a!.id, {})).status).toBe(401);
    expect((await del(a!.id, { token: s.user.token })).status).toBe(403);
    expect((await del(a!.id, { apiKey: s.readKey })).status).toBe(403);
    expect((await del(a!.id, { apiKey: s.adminReadKey })).status).toBe(403);
    const other = await s.h.signUp("admin");
    const key = (await s.h.createKey(other.token, { name: "w", scopes: ["articles:read", "articles:write"] })).key;
    await s.h.core.users.adminUpdate(other.user.id, { role: "user" });
    const res = await del(a!.id, { apiKey: key });
    expect(res.status).toBe(403);
    expect((await body(res)).error).toBe("Admin access required");
    expect(rowsFor(article(1).url)).toHaveLength(1);
  });
});
