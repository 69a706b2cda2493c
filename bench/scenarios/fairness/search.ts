// Rows a–c: expensive reads. A 250-term search (REST, then as one tRPC batch of 10), then ordinary common-word
// searches in a loop.
import { hit, loopFor, Tally } from "../../lib/abuse.ts";
import { fmt } from "../../lib/report.ts";
import { percentile } from "../../lib/stats.ts";
import { ABUSE_MS, ABUSERS, type Fairness } from "./context.ts";

// "a" is in most seeded titles ("a reasoning model", "A ransomware gang"): 250 of it is 499 characters, inside the
// original 500-character cap on q, and each term matches most of the 100,000 rows.
export const LONG_Q = Array.from({ length: 250 }, () => "a").join(" ");

const latency = (t: Tally) => `abuser p50 ${fmt.ms(percentile(t.ms, 50))} ms, max ${fmt.ms(Math.max(...t.ms))} ms`;

export async function searchRows(f: Fairness) {
  const keyed = { headers: { "x-api-key": f.abuser.key } };

  await f.row("a", `one read key, \`q=\` of 250 × "a" (499 chars), ${ABUSERS} connections`, async () => {
    const t = new Tally();
    const url = `${f.base}/api/v1/articles?limit=20&q=${encodeURIComponent(LONG_Q)}`;
    await loopFor(ABUSE_MS, ABUSERS, async () => t.add(await hit(url, keyed)));
    return `abuser got ${t}; ${latency(t)}`;
  });

  await f.row("b", "the same search as one tRPC batch of 10 `articles.list` calls over a JWT, back to back", async () => {
    const t = new Tally();
    const input = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i, { json: { q: LONG_Q, limit: 20 } }]));
    const procs = Array.from({ length: 10 }, () => "articles.list").join(",");
    const url = `${f.base}/trpc/${procs}?${new URLSearchParams({ batch: "1", input: JSON.stringify(input) })}`;
    await loopFor(ABUSE_MS, 1, async () => t.add(await hit(url, { headers: { authorization: `Bearer ${f.abuser.token}` } })));
    return `abuser got ${t}; per batch ${latency(t).replace("abuser ", "")}`;
  });

  await f.row("c", `\`q=${f.seeded.ftsWord}\` (${fmt.n(f.seeded.ftsMatches)} matches) in a loop, ${ABUSERS} connections`, async () => {
    const t = new Tally();
    const url = `${f.base}/api/v1/articles?limit=20&q=${f.seeded.ftsWord}`;
    await loopFor(ABUSE_MS, ABUSERS, async () => t.add(await hit(url, keyed)));
    return `abuser got ${t} (${(t.count / (ABUSE_MS / 1000)).toFixed(0)}/s); ${latency(t)}`;
  });
}
