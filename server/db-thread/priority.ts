import { dlopen, FFIType } from "bun:ffi";

/**
 * The database threads run at a lower CPU priority than the thread serving requests, so on a busy machine a
 * 500-article batch or a long search takes its CPU from idle time rather than from everyone else's answers
 * (issue 9). On Linux the nice value is per thread, and `setpriority(PRIO_PROCESS, 0, n)` sets the calling
 * thread's; elsewhere it would renice the whole process, so it is not attempted there. Best effort: false when
 * it could not be done (no glibc, a sandbox refusing it), and the thread runs at normal priority.
 */
export const DB_THREAD_NICE = 10;

export function lowerThreadPriority(nice = DB_THREAD_NICE): boolean {
  if (process.platform !== "linux") return false;
  for (const name of ["libc.so.6", "libc.so"]) {
    try {
      const libc = dlopen(name, { setpriority: { args: [FFIType.i32, FFIType.u32, FFIType.i32], returns: FFIType.i32 } });
      const ok = libc.symbols.setpriority(0, 0, nice) === 0;
      libc.close();
      return ok;
    } catch {}
  }
  return false;
}
