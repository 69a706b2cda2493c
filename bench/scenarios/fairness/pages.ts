// Search page costs on one connection (no queueing): a common-word search's first page vs the plain first page,
// and a page deep into that search vs its first page. Measured on the freshly seeded file, before any abuse.
import { api } from "../../lib/api.ts";
import { sequential } from "../../lib/measure.ts";
import { fmt, log } from "../../lib/report.ts";
import type { Fairness } from "./context.ts";

/** How deep the "deep" search page is: the cursor after this many matches, reached by following nextCursor. */
const DEPTH = 20_000;

export type PageCosts = { plain: number; plainQueried: number; search: number; deepSearch: number; depth: number };

export async function pageCosts(f: Fairness): Promise<PageCosts> {
  const word = f.seeded.ftsWord;
  const headers = { "X-API-Key": f.victimKey };
  // Walk the search 100 at a time: the cursor format is the server's business, so take what it hands out.
  let cursor: string | undefined;
  let depth = 0;
  while (depth < DEPTH) {
    const r = await api(f.base, `/api/v1/articles?limit=100&q=${word}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { apiKey: f.victimKey });
    if (r.status !== 200) throw new Error(`search page answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
    depth += r.body.data.length;
    cursor = r.body.meta?.nextCursor ?? undefined;
    if (!cursor) break;
  }
  log(`deep search cursor after ${fmt.n(depth)} matches`);
  const path = (q: string) => `/api/v1/articles?limit=20${q}`;
  const plain = await sequential(f.base, { path: path(""), headers }, 20);
  // The plain first page is served from the feed cache (issue 15); the same page read from SQLite, like a search
  // page is, is the plain feed's second page (a cursor: never cached).
  const second = await api(f.base, path(""), { apiKey: f.victimKey });
  const plainQueried = await sequential(f.base, { path: path(`&cursor=${encodeURIComponent(second.body.meta.nextCursor)}`), headers }, 20);
  const search = await sequential(f.base, { path: path(`&q=${word}`), headers }, 20);
  const deepSearch = cursor ? await sequential(f.base, { path: path(`&q=${word}&cursor=${encodeURIComponent(cursor)}`), headers }, 20) : { median: NaN };
  log(`1 connection: plain ${fmt.ms(plain.median)} ms (second page ${fmt.ms(plainQueried.median)} ms), q=${word} ${fmt.ms(search.median)} ms, deep q=${word} ${fmt.ms(deepSearch.median)} ms`);
  return { plain: plain.median, plainQueried: plainQueried.median, search: search.median, deepSearch: deepSearch.median, depth };
}
