// What a process costs, read from /proc (Linux): CPU time and resident memory.
import { readFileSync } from "node:fs";

/** CPU seconds (user + system, all threads) the process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from #3 (state) on
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime (#14) + stime (#15), in 100 Hz ticks
  } catch {
    return NaN;
  }
}

export function vmRss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
