import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import type { Subprocess } from "bun";
import { rmSync } from "node:fs";
import { tempDir } from "../support/harness.ts";
import { cleanEnv, freePort } from "../support/process.ts";
import { describeRedis, skipRedis, startRedis, type RedisServer } from "../support/redis.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// ARGUS_WORKERS: the primary supervises its workers, and workers never outlive the primary.

let redis: RedisServer | undefined;
let primary: Subprocess<"ignore", "ignore", "pipe"> | undefined;
let dir: string;
const workerPids = new Set<number>();
afterEach(async () => {
  primary?.kill("SIGKILL");
  for (const pid of workerPids) try { process.kill(pid, "SIGKILL"); } catch {}
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts a primary with two workers; collects its log lines (JSON on stderr) as they come. */
async function startPrimary() {
  redis = await startRedis();
  dir = tempDir();
  const port = freePort();
  primary = Bun.spawn(["bun", "server/main.ts"], {
    env: cleanEnv({ ARGUS_DATA_DIR: dir, ARGUS_REDIS_URL: redis.url, ARGUS_WORKERS: "2", PORT: String(port), HOST: "127.0.0.1", ARGUS_LOG_LEVEL: "info" }),
    stdin: "ignore", stdout: "ignore", stderr: "pipe",
  });
  const lines: any[] = [];
  void (async () => {
    let buf = "";
    for await (const chunk of primary!.stderr) {
      buf += new TextDecoder().decode(chunk);
      for (let i; (i = buf.indexOf("\n")) >= 0; buf = buf.slice(i + 1)) {
        try {
          const line = JSON.parse(buf.slice(0, i));
          lines.push(line);
          if (line.msg === "worker started") workerPids.add(line.pid);
        } catch {}
      }
    }
  })();
  const waitFor = async (pred: () => boolean, what: string) => {
    for (const until = Date.now() + 30_000; !pred(); await Bun.sleep(50)) if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
  };
  await waitFor(() => lines.filter((l) => l.msg === "argus listening").length >= 2, "two workers listening");
  return { url: `http://127.0.0.1:${port}`, lines, waitFor };
}

describeRedis("worker supervision", () => {
  test("a worker killed with SIGKILL is logged and replaced; SIGTERM then drains all and exits 0", async () => {
    if (skipRedis) return;
    const p = await startPrimary();
    const [victim] = p.lines.filter((l) => l.msg === "worker started").map((l) => l.pid as number);
    process.kill(victim!, "SIGKILL");
    await p.waitFor(() => p.lines.some((l) => l.msg === "worker exited; restarting" && l.pid === victim), "the exit to be logged");
    await p.waitFor(() => p.lines.filter((l) => l.msg === "argus listening").length >= 3, "a replacement worker");
    expect((await fetch(`${p.url}/api/health`)).status).toBe(200);
    primary!.kill("SIGTERM");
    expect(await primary!.exited).toBe(0);
    for (const pid of workerPids) expect(alive(pid)).toBe(false);
  });

  test("when the primary is killed with SIGKILL, its workers drain and exit instead of serving on as orphans", async () => {
    if (skipRedis) return;
    await startPrimary();
    const pids = [...workerPids];
    primary!.kill("SIGKILL");
    await primary!.exited;
    for (const until = Date.now() + 20_000; pids.some(alive) && Date.now() < until; ) await Bun.sleep(100);
    expect(pids.filter(alive)).toEqual([]);
  });
});
