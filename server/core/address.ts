import ipaddr from "ipaddr.js";

// Client addresses key the failure throttles, so every spelling of one address must give one key: otherwise
// `::ffff:1.2.3.4`, `1.2.3.4:5555` or `001.2.3.4` would each be a fresh bucket for the same caller.

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const BRACKETED = /^\[([^\]]+)\](?::\d{1,5})?$/;
const V4_WITH_PORT = /^([\d.]+):\d{1,5}$/;

/** Dotted-quad IPv4 only, each part read as decimal (zero-padding is a display habit, not octal). */
function ipv4(text: string): string | null {
  const m = DOTTED.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts.join(".") : null;
}

/**
 * One canonical spelling of an address, or null for anything that is not one: brackets, a port and an IPv6
 * zone are dropped; an IPv4-mapped IPv6 address becomes its IPv4 address; IPv6 is written as RFC 5952 says.
 */
export function canonicalAddress(raw: string): string | null {
  let text = raw.trim();
  const bracketed = BRACKETED.exec(text);
  if (bracketed) text = bracketed[1]!;
  else {
    const withPort = V4_WITH_PORT.exec(text);
    if (withPort) text = withPort[1]!;
  }
  if (!text.includes(":")) return ipv4(text);
  const address = text.split("%")[0]!; // the zone names an interface of the sender, not the client
  if (!ipaddr.IPv6.isValid(address)) return null;
  const v6 = ipaddr.IPv6.parse(address);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toString();
}

const PEERS_MAX = 4096;
const peers = new Map<string, string | null>();
/**
 * canonicalAddress of a socket's peer as the runtime spells it, remembered: one client sends many requests, and
 * the regexes and ipaddr.js parse cost ~0.3 µs a time. Bounded (emptied when full); the answer for a spelling
 * never changes, so a remembered one is never wrong.
 */
export function canonicalPeer(raw: string): string | null {
  let canonical = peers.get(raw);
  if (canonical === undefined) {
    if (peers.size >= PEERS_MAX) peers.clear();
    peers.set(raw, (canonical = canonicalAddress(raw)));
  }
  return canonical;
}

/**
 * The part of a canonical address a throttle counts: IPv4 as is, IPv6 by its /64 prefix, because one
 * subscriber is routinely given a whole /64 and could otherwise rotate through 2^64 fresh buckets.
 */
export function throttleKey(address: string): string {
  if (!address.includes(":")) return address;
  try {
    const parts = ipaddr.IPv6.parse(address).parts.slice(0, 4);
    return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
  } catch {
    return address;
  }
}

/** Loopback in either family, as a canonical address: a proxy on the same host talks from one of these. */
export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.");
}
