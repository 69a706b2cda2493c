import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { rmSync } from "node:fs";
import { demoArticles, seedDemoArticles } from "../../server/core/demo.ts";
import { createHarness, tempDir, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => void (h = await createHarness()));
afterEach(() => h.close());

const DAY = 24 * 60 * 60 * 1000;

describe("demo articles", () => {
  test("seeding is idempotent: about 200 created, then none", async () => {
    const first = await seedDemoArticles(h.core.articles, h.clock);
    expect(first.created).toBeGreaterThanOrEqual(150);
    expect(first).toEqual({ total: first.created, created: first.created, updated: 0 });
    h.clock.advance(DAY);
    expect(await seedDemoArticles(h.core.articles, h.clock)).toEqual({ total: first.created, created: 0, updated: first.created });
    expect(h.core.deps.db.$client.query("select count(*) as n from articles").get()).toEqual({ n: first.created });
  });

  test("are realistic: several sources, tags, authors, summaries, over the last 30 days", () => {
    const now = h.clock.now();
    const list = demoArticles(now);
    expect(new Set(list.map((a) => a.source))).toEqual(new Set(["Reuters", "Ars Technica", "The Verge", "Hacker News", "BBC"]));
    expect(new Set(list.map((a) => a.url)).size).toBe(list.length);
    for (const a of list) {
      expect(a.tags.length).toBeGreaterThan(0);
      expect(a.author).toBeTruthy();
      expect(a.summary).toBeTruthy();
      expect(a.publishedAt.getTime()).toBeLessThanOrEqual(now);
      expect(a.publishedAt.getTime()).toBeGreaterThan(now - 30 * DAY);
    }
    expect(demoArticles(now)).toEqual(list);
  });

  test("argus seed --demo seeds the configured data directory and says what it did", async () => {
    const dataDir = tempDir();
    // Only what the command needs: PATH and HOME for bun, then the data directory; nothing from the host's ARGUS_*.
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ARGUS_DATA_DIR: dataDir, ARGUS_LOG_LEVEL: "silent" };
    const run = async () => {
      const proc = Bun.spawn(["bun", "server/main.ts", "seed", "--demo"], { // what `bun run seed` runs
        cwd: `${import.meta.dir}/../..`, env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 30_000, killSignal: "SIGKILL",
      });
      try {
        const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
        expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
        return stdout.trim();
      } finally {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      }
    };
    try {
      const first = await run();
      expect(first).toMatch(/^demo articles: (\d+) created, 0 already present \(\1 total\)$/);
      const total = Number(first.match(/\((\d+) total\)/)![1]);
      expect(await run()).toBe(`demo articles: 0 created, ${total} already present (${total} total)`);
      const seeded = await createHarness({}, { dataDir });
      try {
        expect(seeded.core.deps.db.$client.query("select count(*) as n from articles").get()).toEqual({ n: total });
        const res = await seeded.request("/api/v1/articles/latest?limit=100", { token: (await seeded.signUp()).token });
        expect(res.status).toBe(200);
        expect(((await res.json()) as any).data).toHaveLength(100);
      } finally {
        await seeded.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
