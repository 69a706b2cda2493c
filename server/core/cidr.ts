import ipaddr from "ipaddr.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * A CIDR (or a bare address, read as /32 or /128) in its canonical text, or null when it is not one.
 * IPv4 must be four decimal parts: ipaddr.js would also take "10.1" or "0x0a.0.0.1", which nobody means.
 */
export function canonicalCidr(text: string): string | null {
  const [addr, bits, ...rest] = text.trim().split("/");
  if (rest.length > 0 || !addr || addr.includes("%")) return null;
  if (addr.includes(".") && !addr.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(addr)) return null;
  if (!ipaddr.isValid(addr)) return null;
  const parsed = ipaddr.parse(addr);
  const max = parsed.kind() === "ipv4" ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  // An IPv4-mapped range reads better, and matches the same callers, as the IPv4 range it is.
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
    return `${(parsed as ipaddr.IPv6).toIPv4Address().toString()}/${prefix - 96}`;
  }
  return `${parsed.toString()}/${prefix}`;
}

/** Addresses a matcher remembers its answer for (a key is called from a few addresses; past this it starts over). */
const REMEMBERED = 256;

/**
 * A matcher over canonical CIDRs; an IPv4 address also matches its IPv4-mapped IPv6 form, and back. Its answer
 * for an address is remembered: parsing the address and trying every range costs microseconds, on every request
 * of an allowlisted key.
 */
export function cidrMatcher(cidrs: readonly string[]): (address: string) => boolean {
  const ranges: Range[] = cidrs.map((c) => ipaddr.parseCIDR(c));
  const answers = new Map<string, boolean>();
  const match = (address: string) => {
    if (!ipaddr.isValid(address)) return false;
    const addr = ipaddr.parse(address);
    const forms: (ipaddr.IPv4 | ipaddr.IPv6)[] = [addr];
    if (addr.kind() === "ipv4") forms.push((addr as ipaddr.IPv4).toIPv4MappedAddress());
    else if ((addr as ipaddr.IPv6).isIPv4MappedAddress()) forms.push((addr as ipaddr.IPv6).toIPv4Address());
    return ranges.some((r) => forms.some((f) => f.kind() === r[0].kind() && f.match(r)));
  };
  return (address) => {
    let answer = answers.get(address);
    if (answer === undefined) {
      if (answers.size >= REMEMBERED) answers.clear();
      answers.set(address, (answer = match(address)));
    }
    return answer;
  };
}
