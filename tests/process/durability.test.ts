import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { cleanUp, startWithAdmin, type AdminServer } from "./admin-server.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The writer thread acknowledges a write only after its COMMIT: kill -9 mid-stream loses nothing acknowledged.

let s: AdminServer | undefined;
afterEach(() => cleanUp(s));

test("kill -9 while single writes and batches stream in: every acknowledged article is in the database", async () => {
  s = await startWithAdmin("durable");
  const { server, token, dir } = s;
  const acked: string[] = [];
  let n = 0;
  const send = (path: string, body: unknown, urls: string[]) =>
    fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) })
      .then((res) => void (res.ok && acked.push(...urls)))
      .catch(() => {});
  const article = () => {
    const i = n++;
    return { title: `Durable ${i}`, url: `https://durable.example.com/${i}`, source: "Durable", publishedAt: "2026-11-01T00:00:00Z" };
  };
  let running = true;
  const loops = Array.from({ length: 6 }, async (_, l) => {
    while (running) {
      if (l % 3 === 0) {
        const batch = Array.from({ length: 50 }, article);
        await send("/api/v1/articles/batch", { articles: batch }, batch.map((a) => a.url));
      } else {
        const a = article();
        await send("/api/v1/articles", a, [a.url]);
      }
    }
  });
  while (acked.length < 300) await Bun.sleep(20);
  server.proc.kill("SIGKILL");
  await server.proc.exited;
  running = false;
  await Promise.all(loops);
  const db = new Database(join(dir, "argus.db"));
  const stored = new Set((db.query("SELECT url FROM articles").all() as { url: string }[]).map((r) => r.url));
  db.close();
  expect(acked.length).toBeGreaterThanOrEqual(300);
  expect(acked.filter((u) => !stored.has(u))).toEqual([]);
});
