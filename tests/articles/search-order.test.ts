import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { prng } from "../../server/core/demo.ts";
import { SCAN_BUDGET } from "../../server/core/stores/article-reads.ts";
import { body, HOUR, setup, store, T0, type Setup } from "./fixtures.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Pages of GET /api/v1/articles, followed by cursor to the end, must equal a brute-force reference: the same ids
// in the same order (newest publishedAt first, ties by id), whatever mix of q, tag, source, since and until.

const WORDS = ["apple", "banana", "cherry", "delta", "echo", "falcon", "granite", "harbor"];
const SOURCES = ["Reuters", "BBC", "Verge"];
const TAGS = ["ai", "chips", "space", "policy"];
const COUNT = SCAN_BUDGET + 400; // enough that a rare filter makes one page walk past its budget

type Ref = { id: string; words: Set<string>; source: string; tags: string[]; publishedAt: number };

let s: Setup;
let refs: Ref[];
const rand = prng(9);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;

beforeAll(async () => {
  s = await setup();
  const bodies = Array.from({ length: COUNT }, (_, i) => {
    // Few distinct timestamps, so many articles share one millisecond and the id tie-break is exercised.
    const words = Array.from({ length: 3 }, () => pick(WORDS));
    return {
      // "news" is in every title: a search for it with a rare source walks far more than one budget.
      title: ["news", ...words].join(" "),
      url: `https://search.example.com/${i}`,
      source: i < 3 ? "Rare" : pick(SOURCES),
      tags: TAGS.filter(() => rand() < 0.3),
      publishedAt: new Date(T0 + Math.floor(rand() * 40) * HOUR).toISOString(),
    };
  });
  refs = [];
  for (let i = 0; i < bodies.length; i += 500) {
    const stored = (await store(s, bodies.slice(i, i + 500))).articles;
    for (const a of stored) {
      refs.push({ id: a.id, words: new Set(a.title.split(" ")), source: a.source, tags: a.tags, publishedAt: a.publishedAt.getTime() });
    }
  }
});
afterAll(() => s.h.close());

type Query = { q?: string; tag?: string; source?: string; since?: number; until?: number; limit: number };

function reference(q: Query): string[] {
  const words = q.q ? q.q.split(" ") : [];
  return refs
    .filter((r) => words.every((w) => r.words.has(w)))
    .filter((r) => !q.tag || r.tags.includes(q.tag))
    .filter((r) => !q.source || r.source === q.source)
    .filter((r) => q.since === undefined || r.publishedAt >= q.since)
    .filter((r) => q.until === undefined || r.publishedAt < q.until)
    .sort((a, b) => b.publishedAt - a.publishedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((r) => r.id);
}

async function walk(q: Query) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const params = new URLSearchParams({ limit: String(q.limit) });
    if (q.q) params.set("q", q.q);
    if (q.tag) params.set("tag", q.tag);
    if (q.source) params.set("source", q.source);
    if (q.since !== undefined) params.set("since", new Date(q.since).toISOString());
    if (q.until !== undefined) params.set("until", new Date(q.until).toISOString());
    if (cursor) params.set("cursor", cursor);
    const res = await s.h.request(`/api/v1/articles?${params}`, { token: s.user.token });
    const b = await body(res);
    expect(res.status).toBe(200);
    expect(b.data.length).toBeLessThanOrEqual(q.limit);
    ids.push(...b.data.map((a: { id: string }) => a.id));
    expect(b.meta.hasMore).toBe(b.meta.nextCursor !== null);
    cursor = b.meta.nextCursor;
    if (++pages > 2000) throw new Error(`too many pages ${JSON.stringify(q)} ${cursor} ${Buffer.from(cursor ?? "", "base64url")}`);
  } while (cursor);
  return { ids, pages };
}

describe("GET /api/v1/articles pages against a brute-force reference", () => {
  test("random mixes of q, tag, source, since and until: same ids, same order, cursors included", async () => {
    for (let i = 0; i < 40; i++) {
      const q: Query = { limit: 10 + Math.floor(rand() * 60) };
      if (rand() < 0.6) q.q = rand() < 0.5 ? pick(WORDS) : `${pick(WORDS)} ${pick(WORDS)}`;
      if (rand() < 0.4) q.tag = pick(TAGS);
      if (rand() < 0.4) q.source = pick(SOURCES);
      if (rand() < 0.3) q.since = T0 + Math.floor(rand() * 20) * HOUR;
      if (rand() < 0.3) q.until = T0 + Math.floor(20 + rand() * 20) * HOUR;
      const { ids } = await walk(q);
      expect({ q, ids }).toEqual({ q, ids: reference(q) });
    }
  });

  test("a rare match deep in the feed is found through short pages that stop at the scan budget", async () => {
    const q: Query = { q: "news", source: "Rare", limit: 10 };
    const { ids, pages } = await walk(q);
    expect(ids).toEqual(reference(q));
    expect(ids.length).toBeGreaterThan(0);
    expect(pages).toBeGreaterThan(1); // the first page gave up at the budget, with a cursor to go on from
  });

  test("the plain feed, a tag alone and a source alone page exactly too", async () => {
    for (const q of [{ limit: 37 }, { tag: "space", limit: 50 }, { source: "BBC", limit: 100 }] as Query[]) {
      expect((await walk(q)).ids).toEqual(reference(q));
    }
  });
});

describe("q is bounded", () => {
  test("more than 200 characters or 8 distinct words is a 400 naming q; repeats count once", async () => {
    const long = Array.from({ length: 250 }, () => "apple").join(" ");
    for (const q of [long, "a b c d e f g h i", "x".repeat(201)]) {
      const res = await s.h.request(`/api/v1/articles?q=${encodeURIComponent(q)}`, { token: s.user.token });
      expect(res.status).toBe(400);
      expect((await body(res)).details[0].field).toBe("q");
    }
    const ok = await s.h.request(`/api/v1/articles?q=${encodeURIComponent("apple apple apple banana")}`, { token: s.user.token });
    expect(ok.status).toBe(200);
  });
});
