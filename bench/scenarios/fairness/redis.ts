// Row h: two worker processes sharing the Redis limiter, while batch writes run: 150 requests at once on a fresh
// limit-100 key, ten times. Exact limiting allows 100 in every burst; a limiter that fails open allows more.
import { articleBatch, hit, Tally } from "../../lib/abuse.ts";
import { api, createKey } from "../../lib/api.ts";
import { ROOT } from "../../lib/config.ts";
import { stop, track } from "../../lib/procs.ts";
import { log } from "../../lib/report.ts";
import { freePort, serverEnv, tail } from "../../lib/servers.ts";
import { join } from "node:path";
import { maybeRedis } from "../../lib/redis.ts";
import type { Fairness } from "./context.ts";

const BURSTS = 10;
const BURST = 150;
const LIMIT = 100;

/** Runs row h on the same data dir, after the single-process server has stopped. Returns the allowed counts. */
export async function redisRow(f: Fairness): Promise<number[] | undefined> {
  const redis = await maybeRedis();
  if (!redis) return undefined;
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = join(f.server.dataDir, "server-workers.log");
  const env = serverEnv(f.server.dataDir, { PORT: String(port), ARGUS_WORKERS: "2", ARGUS_REDIS_URL: redis.url, ARGUS_TRUST_PROXY: "true" });
  const proc = track(Bun.spawn([process.execPath, "server/main.ts", "serve"], { cwd: ROOT, env, stdout: "ignore", stderr: Bun.file(logFile) }));
  try {
    for (let ok = 0, until = Date.now() + 30_000; ok < 5; ) {
      if (Date.now() > until || proc.exitCode !== null) throw new Error(`workers did not start:\n${tail(logFile)}`);
      ok = (await api(base, "/api/health").catch(() => ({ status: 0 }))).status === 200 ? ok + 1 : 0;
      await Bun.sleep(20);
    }
    const keys: string[] = [];
    for (let i = 0; i <= BURSTS; i++) keys.push(await createKey(base, f.abuser.token, { adminToken: f.adminToken, limit: LIMIT, name: `burst ${i}` }));
    const allowed: number[] = [];
    const limits = new Set<string>();
    /** 150 requests at once on one key: how many were allowed; anything but 200/429 is tallied in `other`. */
    const burst = async (key: string, other: Tally) => {
      const answers = await Promise.all(Array.from({ length: BURST }, () => hit(`${base}/api/auth/me`, { headers: { "x-api-key": key } })));
      for (const a of answers) {
        limits.add(a.headers?.get("x-ratelimit-limit") ?? "none");
        if (a.status !== 200 && a.status !== 429) other.add(a);
      }
      return answers.filter((a) => a.status === 200).length;
    };
    // A control burst with nothing else running: the bench's own check that an idle limiter allows exactly 100.
    const control = await burst(keys.pop()!, new Tally());
    await f.row(
      "h",
      `ARGUS_WORKERS=2 + Redis: ${BURSTS} bursts of ${BURST} at once on a fresh limit-${LIMIT} key, 3 clients posting 500-article batches`,
      async () => {
        const batches = new Tally();
        let writing = true;
        const writers = Array.from({ length: 3 }, async () => {
          while (writing) {
            const h = await hit(`${base}/api/v1/articles/batch`, { method: "POST", headers: { "x-api-key": f.writeKey, "content-type": "application/json" }, body: articleBatch() });
            batches.add(h);
          }
        });
        const other = new Tally();
        for (const key of keys) {
          await Bun.sleep(200); // let the writers get going between bursts
          allowed.push(await burst(key, other));
        }
        writing = false;
        await Promise.all(writers);
        const exact = allowed.filter((n) => n === LIMIT).length;
        return (
          `allowed per burst ${allowed.join(", ")} (exactly ${LIMIT} in ${exact} of ${BURSTS}; control burst with no writes: ${control}); ` +
          `X-RateLimit-Limit seen: ${[...limits].join("/")}; other answers ${other}; batches ${batches}`
        );
      },
      { base, key: f.victimKey },
    );
    return allowed;
  } finally {
    log("stopping the workers");
    await stop(proc, 15_000);
    await redis.stop();
  }
}
