// Seeds N articles (default 100,000) straight into <dataDir>/argus.db for the articles benchmark:
//   bun bench/seed-articles.ts <dataDir> [count]
// One transaction of prepared inserts into `articles` and `article_tags`; the FTS triggers fill the index.
// Prints one JSON line: the cursor after row 90,000 (built from that row's feed key),
// the id the page after it must start with, and a common word for full-text search with its match count.
// Its own process, so SQLite is certainly closed (every statement finalized) before the server opens the file.
import { openDatabase } from "../db/client.ts";
import { assignFeedKeys, encodeFeedCursor } from "../server/core/feedkey.ts";
import { prng } from "../server/core/demo.ts";

export type Seeded = {
  count: number;
  cursorAfter90k: string;
  expectedNextId: string;
  /** After row 20: page 2 of the list. */
  cursorAfter20: string;
  ftsWord: string;
  ftsMatches: number;
  seconds: number;
};


const SUBJECTS = ["OpenAI", "Nvidia", "The EU", "Apple", "A ransomware gang", "SpaceX", "The Linux kernel", "Rust", "PostgreSQL",
  "Google", "Microsoft", "Samsung", "TSMC", "The FTC", "NASA", "Mozilla", "Cloudflare", "Valve", "Intel", "AMD", "Meta", "Amazon",
  "A startup in Berlin", "Researchers at MIT", "The Bun runtime", "Kubernetes", "Debian", "SQLite", "A Dutch court", "Tesla"];
const VERBS = ["releases", "delays", "acquires", "patches", "unveils", "cancels", "open-sources", "investigates", "fines", "rewrites",
  "benchmarks", "launches", "retires", "expands", "secures", "loses", "doubles", "halves", "audits", "ships"];
const OBJECTS = ["a reasoning model", "its data-centre plans", "a browser engine", "a quantum chip", "a privacy bill",
  "a lunar lander", "a package manager", "a cloud region", "an encryption library", "a foldable phone", "a GPU cluster",
  "a battery factory", "a satellite network", "a compiler backend", "an app store policy", "a database engine"];
// Summary words, drawn with a skew (index ~ r1·r2) so a few words are very common and most are rare.
const WORDS = ("energy market security network model data cloud privacy chip research policy update launch release " +
  "performance storage battery satellite kernel browser compiler regulator antitrust outage breach latency throughput " +
  "developer startup funding revenue quarter forecast shortage supply demand factory license patent lawsuit settlement " +
  "encryption vulnerability exploit firmware driver benchmark cluster inference training dataset robot drone vehicle " +
  "charging grid solar wind nuclear fusion telescope orbit rocket payload lander rover mission budget hiring layoffs " +
  "acquisition merger spinoff roadmap preview beta stable deprecation migration rollback incident postmortem audit " +
  "compliance standard protocol interface gateway proxy cache database index query replication backup archive").split(" ");
const SOURCES = ["Reuters", "Ars Technica", "The Verge", "Hacker News", "BBC", "Wired", "Heise", "LWN"];
const TAGS = ["ai", "security", "hardware", "policy", "space", "open-source", "gadgets", "science", "business", "cloud", "energy", "mobile"];
// Common but not everywhere (about a quarter of the articles), so a search has a long result list to page.
const FTS_WORD = "compiler";

export function seedArticles(dataDir: string, count = 100_000): Seeded {
  const started = performance.now();
  const db = openDatabase(dataDir); // applies the migrations, exactly as the server would
  const sqlite = db.$client;
  sqlite.exec("PRAGMA cache_size = -262144"); // 256 MiB: the random-UUID indexes stay in memory until commit
  const insertArticle = sqlite.prepare(
    `INSERT INTO articles (seq, id, title, url, summary, content, source, author, tags, published_at, created_at, updated_at)
     VALUES (cast(? AS integer), ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)`,
  );
  const insertTag = sqlite.prepare(`INSERT INTO article_tags (article_seq, tag) VALUES (cast(? AS integer), ?)`);
  const rand = prng(20261128);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const skewed = () => WORDS[Math.floor(rand() * rand() * WORDS.length)]!;
  let ftsMatches = 0;
  const newest = Date.UTC(2026, 10, 28, 12, 0, 0);
  // Two articles per timestamp, so the id tie-break is exercised too.
  const rows = Array.from({ length: count }, (_, i) => ({ ms: newest - Math.floor(i / 2) * 37_000, id: crypto.randomUUID() }));
  const feedKeys = assignFeedKeys(rows).map(String);
  const keys: { at: number; id: string; key: string }[] = new Array(count);
  sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const { id, ms: at } = rows[i]!;
      const key = feedKeys[i]!;
      const title = `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}`;
      const words = Array.from({ length: 14 + Math.floor(rand() * 12) }, skewed);
      if (words.includes(FTS_WORD) || title.toLowerCase().includes(FTS_WORD)) ftsMatches++;
      const tags = [...new Set([pick(TAGS), pick(TAGS)])].slice(0, 1 + Math.floor(rand() * 2));
      insertArticle.run(key, id, title, `https://example.com/a/${i}`, words.join(" "), pick(SOURCES), `Author ${i % 500}`,
        JSON.stringify(tags), at, at, at);
      for (const t of tags) insertTag.run(key, t);
      keys[i] = { at, id, key };
    }
  })();
  // No ANALYZE / PRAGMA optimize: the server never runs one, so the planner sees what it sees in production.
  sqlite.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  insertArticle.finalize();
  insertTag.finalize();
  sqlite.close();
  // Newest first, ties by id descending (SQLite compares text bytewise, as < does on these ASCII ids).
  keys.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const row = keys[Math.min(89_999, count - 1)]!; // the 90,000th row: the deep page starts right after it
  return {
    count,
    cursorAfter90k: encodeFeedCursor(row.key),
    expectedNextId: keys[90_000]?.id ?? "",
    cursorAfter20: encodeFeedCursor(keys[19]!.key),
    ftsWord: FTS_WORD,
    ftsMatches,
    seconds: (performance.now() - started) / 1000,
  };
}

if (import.meta.main) {
  const [dataDir, count] = process.argv.slice(2);
  if (!dataDir) {
    console.error("usage: bun bench/seed-articles.ts <dataDir> [count]");
    process.exit(2);
  }
  console.log(JSON.stringify(seedArticles(dataDir, count ? Number(count) : undefined)));
}
