// Small tools for the abusers in the fairness scenario: loops with a deadline, status tallies, raw requests.

export type Hit = { status: number; ms: number; bytes: number; headers?: Headers };

/** One request; the body is read to the end (counted, not kept). Network failures come back as status 0. */
export async function hit(url: string, init: RequestInit = {}): Promise<Hit> {
  const started = performance.now();
  try {
    const res = await fetch(url, init);
    let bytes = 0;
    if (res.body) for await (const chunk of res.body) bytes += chunk.byteLength;
    return { status: res.status, ms: performance.now() - started, bytes, headers: res.headers };
  } catch {
    return { status: 0, ms: performance.now() - started, bytes: 0 };
  }
}

/** Counts answers by status and remembers their latencies. */
export class Tally {
  readonly statuses = new Map<number, number>();
  readonly ms: number[] = [];
  add(h: Hit) {
    this.statuses.set(h.status, (this.statuses.get(h.status) ?? 0) + 1);
    this.ms.push(h.ms);
    return h;
  }
  get count() {
    return this.ms.length;
  }
  /** e.g. "200 ×12, 400 ×3" (status 0 = no answer). */
  toString() {
    return [...this.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s} ×${n}`).join(", ") || "none";
  }
}

/** `concurrency` loops each calling `fn` until `ms` have passed; resolves once every started call has finished. */
export async function loopFor(ms: number, concurrency: number, fn: (loop: number, i: number) => Promise<unknown>) {
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      for (let i = 0; performance.now() < until; i++) await fn(loop, i);
    }),
  );
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

let batchNo = 0;
// A day back from now: the server refuses publishedAt more than 24 hours in the future.
const PUBLISHED_FROM = Date.now() - 86_400_000;
/** One article with a fresh URL (so writing it creates a row, as an ingester would). */
function article(n: number, i: number) {
  return {
    title: `Bench batch ${n} item ${i}: a compiler ships a database engine`,
    url: `https://example.com/bench/${process.pid}/${n}/${i}`,
    summary: "energy market security network model data cloud privacy chip research policy update launch release",
    source: "Bench",
    author: "Bench writer",
    tags: ["bench", "ai"],
    publishedAt: new Date(PUBLISHED_FROM + n * 1000 + i).toISOString(),
  };
}

/** The body of `POST /api/v1/articles/batch`: `size` new articles. */
export const articleBatch = (size = 500): string => {
  const n = batchNo++;
  return JSON.stringify({ articles: Array.from({ length: size }, (_, i) => article(n, i)) });
};

/** The body of `POST /api/v1/articles`: one new article. */
export const oneArticle = (): string => JSON.stringify(article(batchNo++, 0));
