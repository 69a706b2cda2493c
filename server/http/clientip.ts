import type { Context } from "hono";
import { getConnInfo } from "hono/bun";

/** The caller's address; X-Forwarded-For counts only when the operator said a proxy sits in front. */
export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    // The last hop is the one our proxy added; earlier entries are whatever the client claimed.
    const forwarded = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded) return normalize(forwarded);
  }
  try {
    return normalize(getConnInfo(c).remote.address ?? "unknown");
  } catch {
    return "unknown"; // app.request() in tests has no socket
  }
}

const normalize = (addr: string) => (addr.startsWith("::ffff:") ? addr.slice(7) : addr);
