// Argus benchmarks: `bun run bench [-- scenario ...]`; the scenarios live in bench/scenarios/, one file each.
//
// The machine is shared and noisy, so every number is printed next to baselines measured in the same run (a bare
// Bun.serve route, and the scenario's own), with ratio-bearing loads interleaved over BENCH_ROUNDS rounds, best
// round kept. See bench/README.md for the scenarios, the knobs and the targets.
import { CONNECTIONS, DURATION_MS, ROUNDS, WARMUP_MS } from "./lib/config.ts";
import { wrkPath } from "./lib/load.ts";
import { pinningNote } from "./lib/pin.ts";
import { cleanupAll } from "./lib/procs.ts";
import { log, printVerdicts } from "./lib/report.ts";

const SCENARIOS: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  foundation: () => import("./scenarios/foundation.ts"),
  login: () => import("./scenarios/login.ts"),
  limiter: () => import("./scenarios/limiter.ts"),
  articles: () => import("./scenarios/articles.ts"),
  binary: () => import("./scenarios/binary.ts"),
  memory: () => import("./scenarios/memory.ts"),
  fairness: () => import("./scenarios/fairness.ts"),
  lifecycle: () => import("./scenarios/lifecycle.ts"),
  usage: () => import("./scenarios/usage.ts"),
};

async function main() {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  const unknown = args.filter((a) => !(a in SCENARIOS));
  if (unknown.length) {
    console.error(`unknown scenario: ${unknown.join(", ")} (choose from ${Object.keys(SCENARIOS).join("|")})`);
    return 2;
  }
  const chosen = args.length ? args : Object.keys(SCENARIOS);
  const wrk = process.env.BENCH_LOADGEN === "bun" ? null : wrkPath();
  console.log(
    `Argus benchmarks: ${chosen.join(", ")}\n` +
      `load: ${wrk ? `wrk (${wrk}), 1 thread` : "bench/lib/load.ts (Bun fetch loops; wrk not found)"}, ${CONNECTIONS} connections, ` +
      `${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s, best of ${ROUNDS} interleaved rounds; ${pinningNote()}; ` +
      `bun ${Bun.version}, ${navigator.hardwareConcurrency} cores`,
  );
  const started = performance.now();
  const failed: string[] = [];
  for (const name of chosen) {
    const t = performance.now();
    console.log(`\n== ${name}`);
    try {
      await (await SCENARIOS[name]!()).run();
    } catch (e) {
      failed.push(name);
      console.error(`scenario ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    log(`${name} took ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  printVerdicts();
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s${failed.length ? `; failed: ${failed.join(", ")}` : ""}`);
  return failed.length ? 1 : 0;
}

let code = 1;
const onSignal = (signal: string) => {
  console.error(`\n${signal}: stopping every process this run started`);
  void cleanupAll().then(() => process.exit(130));
};
process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));
try {
  code = await main();
} catch (e) {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
} finally {
  await cleanupAll();
}
process.exit(code);
