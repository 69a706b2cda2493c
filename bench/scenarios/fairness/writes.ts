// Rows d–e: writes. Three ingesters posting 500-article batches back to back; another process holding SQLite's
// write lock for 3 s while one client writes.
import { join } from "node:path";
import { articleBatch, hit, loopFor, oneArticle, Tally } from "../../lib/abuse.ts";
import { ROOT } from "../../lib/config.ts";
import { track } from "../../lib/procs.ts";
import { fmt } from "../../lib/report.ts";
import { percentile } from "../../lib/stats.ts";
import { ABUSE_MS, type Fairness } from "./context.ts";

const LOCK_MS = 3_000;

export async function writeRows(f: Fairness) {
  const keyed = { "x-api-key": f.writeKey, "content-type": "application/json" };

  await f.row("d", "three clients posting 500-article batches back to back (admin write key)", async () => {
    const t = new Tally();
    await loopFor(ABUSE_MS, 3, async () => t.add(await hit(`${f.base}/api/v1/articles/batch`, { method: "POST", headers: keyed, body: articleBatch() })));
    return `batches ${t}; per batch p50 ${fmt.ms(percentile(t.ms, 50))} ms, max ${fmt.ms(Math.max(...t.ms))} ms`;
  });

  await f.row("e", `another process holds the SQLite write lock ${LOCK_MS / 1000} s; one client writes single articles meanwhile`, async () => {
    const holder = track(
      Bun.spawn([process.execPath, join(import.meta.dir, "../../lib/lock-holder.ts"), join(f.server.dataDir, "argus.db"), String(LOCK_MS)], {
        cwd: ROOT,
        stdout: "pipe",
        stderr: "pipe",
      }),
    );
    const out = holder.stdout.getReader();
    let text = "";
    while (!text.includes("LOCKED")) {
      const c = await out.read();
      if (c.done) throw new Error(`lock holder exited: ${await new Response(holder.stderr).text()}`);
      text += new TextDecoder().decode(c.value);
    }
    const t = new Tally();
    // Writes for as long as the lock is held, plus the same again: a queue of waiting writes must drain too.
    await loopFor(2 * LOCK_MS, 1, async () => t.add(await hit(`${f.base}/api/v1/articles`, { method: "POST", headers: keyed, body: oneArticle() })));
    for (;;) {
      const c = await out.read();
      if (c.done) break;
      text += new TextDecoder().decode(c.value);
    }
    await holder.exited;
    const held = /RELEASED (\d+)/.exec(text)?.[1] ?? "?";
    return `lock held ${held} ms; writes ${t}, p50 ${fmt.ms(percentile(t.ms, 50))} ms, max ${fmt.ms(Math.max(...t.ms))} ms`;
  });
}
