// The 100,000-article database for the articles and fairness scenarios.
import type { Seeded } from "../seed-articles.ts";
import { log } from "./report.ts";
import { runScript, tempDir } from "./servers.ts";

/** Seeds a fresh data dir in its own process (bench/seed-articles.ts), so SQLite is closed before a server opens it. */
export async function seededDataDir(name: string): Promise<{ dataDir: string; seeded: Seeded }> {
  const dataDir = tempDir(name);
  const out = await runScript("seed-articles.ts", [dataDir], 180_000);
  const seeded = JSON.parse(out.trim().split("\n").at(-1)!) as Seeded;
  log(`seeded ${seeded.count.toLocaleString("en")} articles in ${seeded.seconds.toFixed(1)} s ` +
    `("${seeded.ftsWord}" in ${seeded.ftsMatches.toLocaleString("en")} of them)`);
  return { dataDir, seeded };
}
