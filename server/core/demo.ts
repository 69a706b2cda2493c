import type { Clock } from "../clock.ts";
import type { ArticleInput } from "./article-schemas.ts";
import type { Articles } from "./articles.ts";

// Demo articles for a fresh install. Deterministic: a fixed PRNG seed and URLs built from the article's
// index, so a second run finds every url already stored and creates nothing.

const COUNT = 200;
const HOUR = 60 * 60 * 1000;

const sources = [
  { name: "Reuters", base: "https://www.reuters.com/technology", authors: ["Anna Tong", "Krystal Hu", "Stephen Nellis", "Foo Yun Chee"] },
  { name: "Ars Technica", base: "https://arstechnica.com/information-technology", authors: ["Dan Goodin", "Benj Edwards", "Andrew Cunningham", "Jennifer Ouellette"] },
  { name: "The Verge", base: "https://www.theverge.com/tech", authors: ["Tom Warren", "Emma Roth", "Richard Lawler", "Sean Hollister"] },
  { name: "Hacker News", base: "https://news.ycombinator.com/item", authors: ["pg", "dang", "tptacek", "patio11"] },
  { name: "BBC", base: "https://www.bbc.co.uk/news/technology", authors: ["Zoe Kleinman", "Chris Vallance", "Liv McMahon", "Imran Rahman-Jones"] },
];

// Each topic: subjects, what happened to them, and the tags that fit.
const topics = [
  { tags: ["ai", "machine-learning"], subjects: ["OpenAI", "Anthropic", "Google DeepMind", "Mistral", "Meta's Llama team"],
    events: ["releases a new reasoning model", "cuts inference prices by half", "faces scrutiny over training data", "opens an office in Tokyo", "publishes an interpretability study"] },
  { tags: ["security"], subjects: ["A critical OpenSSH flaw", "A ransomware gang", "Chrome's zero-day", "A supply-chain attack on npm", "A leaked router firmware key"],
    events: ["puts millions of servers at risk", "is patched after weeks of exploitation", "hits hospitals across Europe", "is traced to a state-backed group", "prompts an emergency CISA directive"] },
  { tags: ["hardware", "chips"], subjects: ["Nvidia", "AMD", "Intel", "TSMC", "Apple silicon"],
    events: ["unveils its next-generation GPU", "reports record data-centre revenue", "delays a new fab in Arizona", "wins a major cloud contract", "shows off a 2nm prototype"] },
  { tags: ["policy", "regulation"], subjects: ["The EU AI Act", "The FTC", "UK regulators", "The US Senate", "India's IT ministry"],
    events: ["sets new rules for foundation models", "opens an antitrust probe into app stores", "fines a social network over child safety", "passes a landmark privacy bill", "demands answers on data transfers"] },
  { tags: ["space", "science"], subjects: ["NASA's Artemis programme", "SpaceX's Starship", "The James Webb telescope", "ESA", "A private lunar lander"],
    events: ["completes its most ambitious test flight yet", "spots water vapour on a distant exoplanet", "slips its launch date again", "signs a new commercial partnership", "returns its first images"] },
  { tags: ["open-source", "programming"], subjects: ["The Linux kernel", "Rust", "Python 3.14", "PostgreSQL", "The Bun runtime"],
    events: ["ships a long-awaited release", "adopts a new governance model", "gets a major performance boost", "drops support for legacy platforms", "celebrates a milestone anniversary"] },
  { tags: ["gadgets", "mobile"], subjects: ["Apple's new iPhone", "Samsung's foldable", "The Pixel 11", "A new e-reader from Kobo", "Valve's handheld"],
    events: ["gets a surprisingly repairable design", "goes on sale next week", "is hit by a battery recall", "lands a big software update", "reviews well despite a steep price"] },
];

/** mulberry32: tiny, fast and, crucially here, reproducible from its seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

/** The demo articles, spread over the 30 days before `now`; the same list for the same `now`. */
export function demoArticles(now: number): ArticleInput[] {
  const rand = prng(20260208);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  return Array.from({ length: COUNT }, (_, i) => {
    const source = sources[i % sources.length]!;
    const topic = pick(topics);
    const subject = pick(topic.subjects);
    const event = pick(topic.events);
    const title = `${subject} ${event}`;
    const url = source.name === "Hacker News" ? `${source.base}?id=${41_000_000 + i * 7}` : `${source.base}/${slug(title)}-${1000 + i}`;
    const summary = `${subject} ${event}, ${source.name} reports. Analysts say the move could reshape ${topic.tags[0]} over the coming year.`;
    // Whole hours, so a few articles share a publishedAt and the id tie-break shows.
    const publishedAt = new Date(now - Math.floor(rand() * 30 * 24) * HOUR);
    return {
      title,
      url,
      summary,
      content: `${summary}\n\n${subject} confirmed the news on ${publishedAt.toISOString().slice(0, 10)}. Further details are expected in the coming weeks.`,
      source: source.name,
      author: pick(source.authors),
      tags: rand() < 0.3 ? [...topic.tags, "analysis"] : [...topic.tags],
      publishedAt,
    };
  });
}

/** Upserts the demo articles by url in one transaction: idempotent, a second run creates none. */
export async function seedDemoArticles(articles: Pick<Articles, "upsertMany">, clock: Clock) {
  const { created, updated } = await articles.upsertMany(demoArticles(clock.now()));
  return { total: created + updated, created, updated };
}
