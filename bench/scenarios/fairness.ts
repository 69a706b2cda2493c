// 7. Fairness (issue 9): on 100,000 seeded articles, a victim sends small requests throughout while one caller
// abuses the server in each of the ways issue 9 lists (rows a–h in bench/scenarios/fairness/). Reported per row:
// the victim's latency (target p99 ≤ 25 ms) and what the abuser saw. Plus search page costs on one connection.
// BENCH_FAIRNESS_ROWS=a,c,h,pages runs a subset (ids: 0 a b c d e f g h pages; f and g are f1/f2 and g1/g2).
import { ABUSE_MS, prepareFairness, wanted } from "./fairness/context.ts";
import { accountRows } from "./fairness/accounts.ts";
import { pageCosts, type PageCosts } from "./fairness/pages.ts";
import { redisRow } from "./fairness/redis.ts";
import { searchRows } from "./fairness/search.ts";
import { writeRows } from "./fairness/writes.ts";
import { fmt, table, verdict } from "../lib/report.ts";
import { seededDataDir } from "../lib/seed.ts";
import { startServer } from "../lib/servers.ts";

const TARGET_P99_MS = 25;

export async function run() {
  const { dataDir, seeded } = await seededDataDir("fairness");
  // Not pinned: the server has every core, as in production (its writer and hashing threads included). It trusts
  // X-Forwarded-For so the bench can be many clients, and keeps the default sign-up throttle (5 per address/hour).
  const server = await startServer("fairness", { dataDir, pin: false, env: { ARGUS_TRUST_PROXY: "true", ARGUS_SIGNUP_LIMIT_PER_HOUR: "5" } });
  const f = await prepareFairness(server, seeded);
  let pages: PageCosts | undefined;
  let allowed: number[] | undefined;
  try {
    if (wanted("pages")) pages = await pageCosts(f);
    if (wanted("0")) await f.row("0", "nobody (the victim alone)", () => Bun.sleep(ABUSE_MS).then(() => "-"));
    await searchRows(f);
    await writeRows(f);
    await accountRows(f);
  } finally {
    await server.stop();
  }
  if (wanted("h")) allowed = await redisRow(f);

  table(
    `7. Fairness: the victim's latency while one caller abuses (${fmt.n(seeded.count)} articles, ${ABUSE_MS / 1000} s of abuse a row)`,
    ["victim p50 ms", "p99 ms", "max ms", "p99 health / me / read", "n", "unanswered", "non-2xx", "what the abuser saw"],
    f.results.map((r) => ({
      name: `${r.id}. ${r.what}`,
      cells: {
        "victim p50 ms": fmt.ms(r.stats.p50),
        "p99 ms": fmt.ms(r.stats.p99),
        "max ms": fmt.ms(r.stats.max),
        "p99 health / me / read": `${fmt.ms(r.stats.byKind.health)} / ${fmt.ms(r.stats.byKind.me)} / ${fmt.ms(r.stats.byKind.read)}`,
        n: String(r.stats.n),
        unanswered: String(r.stats.unanswered),
        "non-2xx": String(r.stats.non2xx),
        "what the abuser saw": r.side,
      },
    })),
    [
      "victim: one request every 10 ms (open loop), rotating `GET /api/health`, `GET /api/auth/me` and `GET /api/v1/articles/latest?limit=20` (both with its own key), " +
        "from 0.1 s before the abuse (after 0.5 s of warm-up, not counted) until every abusing request has answered; unanswered = still waiting 30 s after that",
      "the server is not pinned (every core, as in production); the victim runs in a process of its own, the abusers in the runner",
    ],
  );
  for (const r of f.results) {
    if (r.id === "0") continue;
    verdict("fairness", `row ${r.id}: victim p99 ≤ ${TARGET_P99_MS} ms`, `${fmt.ms(r.stats.p99)} ms (max ${fmt.ms(r.stats.max)} ms)`, r.stats.p99 <= TARGET_P99_MS);
  }
  if (pages) {
    table("7b. Search pages, 1 connection (median of 20)", ["ms", "ratio"], [
      { name: "`?limit=20` first page (from the feed cache)", cells: { ms: fmt.ms(pages.plain), ratio: fmt.x(pages.plain / pages.plainQueried) } },
      { name: "`?limit=20` second page (read from SQLite: the baseline)", cells: { ms: fmt.ms(pages.plainQueried), ratio: fmt.x(1) } },
      { name: `\`q=${seeded.ftsWord}\` (${fmt.n(seeded.ftsMatches)} matches) first page`, cells: { ms: fmt.ms(pages.search), ratio: `${fmt.x(pages.search / pages.plainQueried)} plain (${fmt.x(pages.search / pages.plain)} the cached one)` } },
      { name: `same search, cursor after ${fmt.n(pages.depth)} matches`, cells: { ms: fmt.ms(pages.deepSearch), ratio: `${fmt.x(pages.deepSearch / pages.search)} its first page` } },
    ]);
    // Like for like: both pages read from SQLite (the plain first page now usually comes from memory).
    verdict("fairness", `q=${seeded.ftsWord} first page ≤ 2× a plain page read from SQLite (1 connection)`, fmt.x(pages.search / pages.plainQueried), pages.search / pages.plainQueried <= 2);
    verdict("fairness", "deep search page ≤ 2× its first page (1 connection)", fmt.x(pages.deepSearch / pages.search), pages.deepSearch / pages.search <= 2);
  }
  if (allowed) {
    const exact = allowed.filter((n) => n === 100).length;
    verdict("fairness", `row h: exactly 100 allowed in 10 of 10 bursts`, `${exact} of ${allowed.length} (${allowed.join(", ")})`, exact === allowed.length);
  }
}
