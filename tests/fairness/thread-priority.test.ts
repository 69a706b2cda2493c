import { expect, test, setDefaultTimeout } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { DB_THREAD_NICE } from "../../server/db-thread/priority.ts";
import { createHarness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// The database threads yield the CPU to the thread serving requests: on Linux each runs at nice 10, the serving
// thread stays at 0 (so a batch or a long search takes idle time, not everyone else's).

/** [thread name, nice] of every thread of this process. */
function threads(): { tid: number; name: string; nice: number }[] {
  return readdirSync("/proc/self/task").map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { tid: Number(tid), name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), nice: Number(fields[16]) };
  });
}

test.skipIf(process.platform !== "linux")("the writer and reader threads run at nice 10; the serving thread at 0", async () => {
  const lowered = () => threads().filter((t) => t.name === "Worker" && t.nice === DB_THREAD_NICE).length;
  const before = lowered();
  const h = await createHarness();
  try {
    const admin = await h.signUp("admin"); // a write: the writer thread starts
    // A search walks far: it goes to a reader thread.
    const res = await h.request("/api/v1/articles?q=anything", { token: admin.token });
    expect(res.status).toBe(200);
    expect(lowered()).toBe(before + 2);
    expect(threads().find((t) => t.tid === process.pid)!.nice).toBe(0);
  } finally {
    await h.close();
  }
});
