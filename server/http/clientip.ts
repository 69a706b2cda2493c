import type { Context } from "hono";
import { getConnInfo } from "hono/bun";
import { canonicalAddress, canonicalPeer, isLoopback } from "../core/address.ts";
import type { Logger } from "../logger.ts";

// Warned once per logger (a process's), not per resolver: the app's frame and the fast path each have one.
const warned = new WeakSet<Logger>();

/**
 * The caller's address, canonical (see core/address.ts), from a request's X-Forwarded-For and its socket's
 * address (asked for only when needed). X-Forwarded-For counts only when the operator said a proxy sits in
 * front; an entry that is not an address falls back to the socket's, never to a fresh key.
 */
export function createAddressResolver(trustProxy: boolean, logger: Logger) {
  return (forwarded: string | undefined | null, socket: () => string): string => {
    if (forwarded === undefined || forwarded === null) return socket();
    if (trustProxy) {
      return lastHop(forwarded) ?? socket();
    }
    const peer = socket();
    if (!warned.has(logger) && isLoopback(peer)) {
      // A proxy on this host forwards for clients while we are told not to trust it: every client then shares
      // the proxy's address, and one client's failures throttle them all.
      warned.add(logger);
      logger.warn("requests carry X-Forwarded-For from a loopback peer, but ARGUS_TRUST_PROXY is false", {
        action: "if that proxy is yours, set ARGUS_TRUST_PROXY=true so throttles see each client's address",
      });
    }
    return peer;
  };
}

const HOPS_MAX = 4096;
const HOPS_TEXT_MAX = 256; // longer headers are read each time, so no caller can fill the memory with long keys
const hops = new Map<string, string | null>();
/**
 * The canonical address of an X-Forwarded-For's last hop, null when it has none that is an address; remembered per
 * header value (behind a proxy each client sends the same value request after request, and the split, the
 * regexes and ipaddr.js cost ~0.5 µs). A pure function of the value, so a remembered answer is never wrong.
 */
function lastHop(forwarded: string): string | null {
  let hop = hops.get(forwarded);
  if (hop !== undefined) return hop;
  // The last hop is the one our proxy added; earlier entries are whatever the client claimed. Empty entries
  // (a trailing comma) are no hop at all.
  const last = forwarded.split(",").map((s) => s.trim()).filter(Boolean).at(-1);
  hop = (last && canonicalAddress(last)) || null;
  if (forwarded.length <= HOPS_TEXT_MAX) {
    if (hops.size >= HOPS_MAX) hops.clear();
    hops.set(forwarded, hop);
  }
  return hop;
}

/** The same, for the app's requests (a Hono context). */
export function createClientIp(trustProxy: boolean, logger: Logger) {
  const resolve = createAddressResolver(trustProxy, logger);
  return (c: Context): string => resolve(c.req.header("x-forwarded-for"), () => socketAddress(c));
}

function socketAddress(c: Context): string {
  try {
    const raw = getConnInfo(c).remote.address;
    return (raw && canonicalPeer(raw)) ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests has no socket
  }
}

export type AddressSource = { requestIP?: (req: Request) => { address: string } | null };

/** A request's socket address from the server that received it (Bun's requestIP), as socketAddress reads it. */
export function peerAddress(server: AddressSource | undefined, req: Request): string {
  try {
    const raw = server?.requestIP?.(req)?.address;
    return (raw && canonicalPeer(raw)) ?? "unknown";
  } catch {
    return "unknown";
  }
}
