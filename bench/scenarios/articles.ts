// 4. Articles on 100,000 seeded rows: latest, list first page, a deep cursor, a common-word search, tRPC latest.
import { api, prepare, withKeys } from "../lib/api.ts";
import { CONNECTIONS } from "../lib/config.ts";
import { BARE, interleaved, sequential } from "../lib/measure.ts";
import { fmt, log, loadRow, table, verdict } from "../lib/report.ts";
import { seededDataDir } from "../lib/seed.ts";
import { startServer } from "../lib/servers.ts";

export async function run() {
  const { dataDir, seeded } = await seededDataDir("articles");
  const server = await startServer("articles", { dataDir });
  const fx = await prepare(server.url);
  const trpcInput = encodeURIComponent(JSON.stringify({ json: { limit: 20 } }));
  const page2 = `/api/v1/articles?limit=20&cursor=${seeded.cursorAfter20}`;
  const paths = {
    latest: "/api/v1/articles/latest?limit=20",
    first: "/api/v1/articles?limit=20",
    deep: `/api/v1/articles?limit=20&cursor=${seeded.cursorAfter90k}`,
    fts: `/api/v1/articles?limit=20&q=${seeded.ftsWord}`,
    trpc: `/trpc/articles.latest?input=${trpcInput}`,
  };
  // Each answers what it should before it is timed.
  for (const [name, path] of Object.entries(paths)) {
    const res = await api(server.url, path, { apiKey: fx.keys[0] });
    const items = name === "trpc" ? res.body?.result?.data?.json : res.body?.data;
    if (res.status !== 200 || !Array.isArray(items) || items.length !== 20) {
      throw new Error(`${name} (${path}) answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    if (name === "deep" && items[0].id !== seeded.expectedNextId) throw new Error("deep cursor page does not start at row 90,001");
  }
  // One connection, no queueing: what a single page costs. Page 2 is here too, for the shape of the keyset cost.
  const one: Record<string, { median: number; max: number }> = {};
  for (const [name, path] of [...Object.entries(paths), ["page2", page2] as const]) {
    one[name] = await sequential(server.url, { path, headers: { "X-API-Key": fx.keys[0]! } }, name === "page2" ? 5 : 20);
    log(`1 connection ${name}: median ${fmt.ms(one[name]!.median)} ms, max ${fmt.ms(one[name]!.max)} ms`);
  }
  const r = await interleaved(
    Object.entries(paths).map(([name, path]) => ({
      name,
      base: server.url,
      pid: server.pid,
      requests: withKeys(fx.keys, path),
      rounds: name === "deep" || name === "fts" ? 1 : undefined,
    })),
  );
  await server.stop();
  const oneMs = (n: string) => ({ "1-conn median ms": fmt.ms(one[n]!.median) });
  const g = (n: keyof typeof paths | typeof BARE) => r.get(n)!;
  const [bare, first, deep, latest, trpc, fts] = [g(BARE), g("first"), g("deep"), g("latest"), g("trpc"), g("fts")];
  table(
    `4. Articles, ${seeded.count.toLocaleString("en")} seeded (X-API-Key, ${CONNECTIONS} connections)`,
    ["req/s", "p50 ms", "p99 ms", "non-2xx", "× bare Bun", "CPU µs/req", "× bare Bun (CPU)", "1-conn median ms", "ratio"],
    [
      loadRow("bare `Bun.serve` JSON route", bare, {}, bare),
      loadRow("REST `latest?limit=20` (baseline for tRPC)", latest, { ...oneMs("latest"), ratio: fmt.x(1) }, bare),
      loadRow("tRPC `articles.latest` {limit:20}", trpc, { ...oneMs("trpc"), ratio: `${fmt.x(trpc.rps / latest.rps)} REST req/s` }, bare),
      loadRow("list `?limit=20`, first page (baseline for deep)", first, { ...oneMs("first"), ratio: fmt.x(1) }, bare),
      loadRow("list, cursor after row 90,000", deep, { ...oneMs("deep"), ratio: `${fmt.x(deep.p50Ms / first.p50Ms)} first-page p50` }, bare),
      loadRow(`list, \`q=${seeded.ftsWord}\` (${seeded.ftsMatches.toLocaleString("en")} matches)`, fts, {
        ...oneMs("fts"),
        ratio: `${fmt.x(fts.rps / first.rps)} first-page req/s`,
      }, bare),
      { name: "list, cursor after row 20 (page 2; 1 connection only)", cells: { ...oneMs("page2"), ratio: `${fmt.x(one.page2!.median / one.first!.median)} first-page 1-conn` } },
    ],
    [
      `seeding: ${seeded.seconds.toFixed(1)} s for ${seeded.count.toLocaleString("en")} rows + tags + FTS (one transaction, triggers on)`,
      `1-conn: 20 sequential requests on one connection after 2 warm-ups (page 2: 5), median; no queueing, so it is the page's own cost plus ~0.1 ms of client`,
    ],
  );
  verdict("articles", "latest?limit=20 with a key ≥ 0.35× bare Bun req/s", fmt.x(latest.rps / bare.rps), latest.rps / bare.rps >= 0.35);
  verdict("articles", "deep-cursor page p50 ≤ 1.2× first page p50 (50 conns)", fmt.x(deep.p50Ms / first.p50Ms), deep.p50Ms / first.p50Ms <= 1.2);
  verdict("articles", "deep-cursor page ≤ 1.2× first page, 1 connection", fmt.x(one.deep!.median / one.first!.median), one.deep!.median / one.first!.median <= 1.2);
  verdict("articles", "tRPC latest ≥ 0.7× REST latest req/s", fmt.x(trpc.rps / latest.rps), trpc.rps / latest.rps >= 0.7);
  const cpu = (x: typeof bare) => x.cpuUs ?? NaN;
  verdict("articles", "latest?limit=20 with a key ≥ 0.35× bare Bun, by server CPU per request", fmt.x(cpu(bare) / cpu(latest)), null);
  verdict("articles", "tRPC latest ≥ 0.7× REST latest, by server CPU per request", fmt.x(cpu(latest) / cpu(trpc)), null);
  verdict("articles", `q=${seeded.ftsWord} first page ≤ 2× the plain first page, 1 connection`, fmt.x(one.fts!.median / one.first!.median), one.fts!.median / one.first!.median <= 2);
}
