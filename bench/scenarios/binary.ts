// 5. The compiled binary vs `bun server/main.ts`: size, cold start, RSS idle and under load, key-route throughput.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { prepare, withKeys } from "../lib/api.ts";
import { CONNECTIONS, DURATION_MS, ROOT, ROUNDS } from "../lib/config.ts";
import { BARE, interleaved, median } from "../lib/measure.ts";
import { pinned } from "../lib/pin.ts";
import { vmRss } from "../lib/procstat.ts";
import { stop, track } from "../lib/procs.ts";
import { fmt, log, table, verdict } from "../lib/report.ts";
import { collect, freePort, serverEnv, tail, tempDir } from "../lib/servers.ts";

/** Spawns a command serving on a free port and times spawn -> first 200 from /api/health, polling every 5 ms. */
async function coldStart(cmd: readonly string[], name: string, opts: { admin: boolean }) {
  const dataDir = tempDir(name);
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = serverEnv(dataDir, { PORT: String(port) });
  // Creating the admin at boot hashes a password (argon2id, ~100 ms): not part of starting, so off when timing it.
  if (!opts.admin) {
    delete env.ARGUS_ADMIN_EMAIL;
    delete env.ARGUS_ADMIN_PASSWORD;
  }
  const log = join(dataDir, "server.log");
  const started = performance.now();
  const proc = track(Bun.spawn(pinned(cmd, "server"), { cwd: ROOT, env, stdout: "ignore", stderr: Bun.file(log) }));
  while (true) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}:\n${tail(log)}`);
    if (performance.now() - started > 30_000) {
      await stop(proc);
      throw new Error(`${name} did not answer /api/health within 30 s`);
    }
    const ok = await fetch(`${url}/api/health`).then((r) => r.status === 200, () => false);
    if (ok) return { ms: performance.now() - started, proc, url, dataDir };
    await Bun.sleep(5);
  }
}

/** Built fresh from the working tree (into a temp dir: dist/ is left alone); else an existing dist/argus; else none. */
async function binaryUnderTest(): Promise<{ bin: string; note: string } | { skip: string }> {
  const built = join(tempDir("build"), "argus");
  log("building: `bun run build -- --outfile <tmp>/argus`");
  const build = track(Bun.spawn([process.execPath, "run", "build", "--", "--outfile", built], { cwd: ROOT, stdout: "pipe", stderr: "pipe" }));
  const { out, err, code } = await collect(build, 180_000, "bun run build");
  if (code === 0 && existsSync(built)) return { bin: built, note: `built by this run: ${out.trim().split("\n").at(-1)}` };
  const why = (err.trim() || out.trim()).split("\n").slice(-3).join(" / ");
  const dist = join(ROOT, "dist/argus");
  if (!existsSync(dist)) return { skip: `\`bun run build\` failed (exit ${code}): ${why}; no dist/argus` };
  const age = (Date.now() - statSync(dist).mtimeMs) / 60_000;
  return { bin: dist, note: `dist/argus, built ${age.toFixed(0)} min before this run (\`bun run build\` failed here: ${why})` };
}

export async function run() {
  const found = await binaryUnderTest();
  if ("skip" in found) {
    table("5. Binary", ["value"], [{ name: "skipped", cells: { value: found.skip } }]);
    verdict("binary", "binary scenario", "skipped: no binary", null);
    return;
  }
  const { bin, note } = found;
  const size = statSync(bin).size;
  const source = [process.execPath, "server/main.ts"];

  // Cold start, interleaved: binary, source, binary, source, ... Fresh data dir each time (migrations included).
  const times = { binary: [] as number[], source: [] as number[] };
  for (let i = 0; i < 5; i++) {
    for (const [name, cmd] of [["binary", [bin]], ["source", source]] as const) {
      const s = await coldStart(cmd, `cold-${name}`, { admin: false });
      times[name].push(s.ms);
      await stop(s.proc);
    }
  }
  log(`cold start binary ${times.binary.map((t) => t.toFixed(0)).join(", ")} ms; source ${times.source.map((t) => t.toFixed(0)).join(", ")} ms`);

  // RSS idle and under load, binary vs the same server from source: both up at once, load interleaved over the
  // rounds, RSS sampled every 100 ms during each load (peak kept).
  const running = [] as { name: "binary" | "source"; proc: Subprocess; url: string; keys: string[]; idle: number; peak: number }[];
  for (const [name, cmd] of [["binary", [bin]], ["source", source]] as const) {
    const s = await coldStart(cmd, `rss-${name}`, { admin: true });
    const fx = await prepare(s.url);
    running.push({ name, proc: s.proc, url: s.url, keys: fx.keys, idle: NaN, peak: 0 });
  }
  await Bun.sleep(1_000);
  for (const s of running) s.idle = s.peak = vmRss(s.proc.pid);
  const r = await interleaved(
    running.map((s) => ({
      name: s.name,
      base: s.url,
      requests: withKeys(s.keys, "/api/auth/me"),
      during: () => {
        const sampler = setInterval(() => (s.peak = Math.max(s.peak, vmRss(s.proc.pid))), 100);
        return async () => {
          clearInterval(sampler);
          s.peak = Math.max(s.peak, vmRss(s.proc.pid));
        };
      },
    })),
  );
  for (const s of running) await stop(s.proc);
  const bare = r.get(BARE)!;
  const rss = Object.fromEntries(running.map((s) => [s.name, { idle: s.idle, peak: s.peak, load: r.get(s.name)! }]));
  const b = rss.binary!;
  const s = rss.source!;
  const row = (name: string, bv: string, sv: string, ratio: string) => ({ name, cells: { binary: bv, source: sv, "binary × source": ratio } });
  table(
    "5. Binary vs `bun server/main.ts` (source, baseline)",
    ["binary", "source", "binary × source"],
    [
      row("size", fmt.mb(size), "-", "-"),
      row("cold start → first 200 (median of 5)", `${median(times.binary).toFixed(0)} ms`, `${median(times.source).toFixed(0)} ms`, fmt.x(median(times.binary) / median(times.source))),
      row("RSS idle (after setup + 1 s)", fmt.mb(b.idle), fmt.mb(s.idle), fmt.x(b.idle / s.idle)),
      row(`RSS peak under load (key route, ${CONNECTIONS} conns, ${ROUNDS}×${DURATION_MS / 1000} s)`, fmt.mb(b.peak), fmt.mb(s.peak), fmt.x(b.peak / s.peak)),
      row(`key route req/s during that load (best of ${ROUNDS})`, fmt.rps(b.load.rps), fmt.rps(s.load.rps), fmt.x(b.load.rps / s.load.rps)),
      row("key route × bare Bun req/s (same rounds)", fmt.x(b.load.rps / bare.rps), fmt.x(s.load.rps / bare.rps), "-"),
      row("key route p99 during that load", `${fmt.ms(b.load.p99Ms)} ms`, `${fmt.ms(s.load.p99Ms)} ms`, fmt.x(b.load.p99Ms / s.load.p99Ms)),
    ],
    [`binary: ${note}`, `under load / idle RSS: binary ${fmt.x(b.peak / b.idle)}, source ${fmt.x(s.peak / s.idle)}`, `bare Bun: ${fmt.rps(bare.rps)} req/s`],
  );
  verdict("binary", "cold start binary (reported; STACK.md expects ~100 ms)", `${median(times.binary).toFixed(0)} ms`, null);
}
