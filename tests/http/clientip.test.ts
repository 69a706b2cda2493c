import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { canonicalAddress, throttleKey } from "../../server/core/address.ts";
import { generateKey } from "../../server/core/keyformat.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The invalid-key throttle allows 50 failures a minute per client address; each test spends one bucket's worth.
const BAD_KEYS_PER_MINUTE = 50;

let h: Harness;
afterEach(() => h?.close());

const badKey = (via: { request: Harness["request"] } | string, xff?: string) => {
  const headers: Record<string, string> = { "x-api-key": generateKey() };
  if (xff !== undefined) headers["x-forwarded-for"] = xff;
  return typeof via === "string" ? fetch(`${via}/api/auth/me`, { headers }) : via.request("/api/auth/me", { headers });
};

describe("canonical client addresses", () => {
  test("every spelling of one address has one canonical form; anything else is not an address", () => {
    const same: Record<string, string[]> = {
      "203.0.113.7": ["203.0.113.7", "::ffff:203.0.113.7", "::FFFF:cb00:7107", "203.000.113.007", "203.0.113.7:4444", "[::ffff:203.0.113.7]:80", " 203.0.113.7 "],
      "2001:db8::1": ["2001:db8::1", "2001:DB8:0:0:0:0:0:1", "2001:0db8::0001", "[2001:db8::1]", "[2001:db8::1]:443", "2001:db8::1%eth0"],
      "::1": ["::1", "[::1]:8080", "0:0:0:0:0:0:0:1"],
    };
    for (const [canonical, spellings] of Object.entries(same)) {
      for (const s of spellings) expect([s, canonicalAddress(s)]).toEqual([s, canonical]);
    }
    for (const garbage of ["", "unknown", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4:", "0x7f.0.0.1", "2001:db8::g", "[1.2.3.4", "1.2.3.4, 5.6.7.8", "<script>"]) {
      expect([garbage, canonicalAddress(garbage)]).toEqual([garbage, null]);
    }
  });

  test("throttles key IPv4 by address and IPv6 by its /64", () => {
    expect(throttleKey("203.0.113.7")).toBe("203.0.113.7");
    expect(throttleKey("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(throttleKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(throttleKey("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
  });
});

describe("behind a trusted proxy, the invalid-key throttle sees one client however its address is spelled", () => {
  test("mapped, padded, ported, bracketed and trailing-comma spellings of one IPv4 share a bucket", async () => {
    h = await createHarness({ trustProxy: true });
    const spellings = ["::ffff:203.0.113.7", "203.000.113.007", "203.0.113.7:4444", "[::ffff:203.0.113.7]:80", "10.9.9.9, 203.0.113.7,", "203.0.113.7"];
    for (let i = 0; i < BAD_KEYS_PER_MINUTE; i++) expect((await badKey(h, spellings[i % spellings.length])).status).toBe(401);
    for (const s of spellings) {
      const res = await badKey(h, s);
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    }
    expect((await badKey(h, "198.51.100.1")).status).toBe(401); // another client still has its own bucket
  });

  test("IPv6 addresses in one /64 share a bucket; the next /64 has its own", async () => {
    h = await createHarness({ trustProxy: true });
    for (let i = 0; i < BAD_KEYS_PER_MINUTE; i++) {
      expect((await badKey(h, `2001:db8:1:2:${i.toString(16)}::${(i * 7).toString(16)}`)).status).toBe(401);
    }
    expect((await badKey(h, "[2001:db8:1:2:ffff::1]:443")).status).toBe(429);
    expect((await badKey(h, "2001:db8:1:3::1")).status).toBe(401);
  });

  test("a forwarded entry that is not an address counts against the socket's address, never a fresh bucket", async () => {
    h = await createHarness({ trustProxy: true });
    const srv = listen(h);
    try {
      const garbage = ["not-an-ip", "1.2.3.4.5", "999.1.1.1", ",", "unknown", "203.0.113.7, junk"];
      for (let i = 0; i < BAD_KEYS_PER_MINUTE; i++) expect((await badKey(srv.url, garbage[i % garbage.length])).status).toBe(401);
      expect((await badKey(srv.url)).status).toBe(429); // the socket's own (127.0.0.1) bucket is the one spent
      expect((await badKey(srv.url, `junk-${crypto.randomUUID()}`)).status).toBe(429);
      expect((await badKey(srv.url, "203.0.113.7")).status).toBe(401);
    } finally {
      srv.stop();
    }
  });
});

describe("X-Forwarded-For while ARGUS_TRUST_PROXY is false", () => {
  test("from a loopback peer: ignored for the address, and a warning logged once", async () => {
    const logs: string[] = [];
    h = await createHarness({ trustProxy: false }, { logs });
    const srv = listen(h);
    const warnings = () => logs.map((l) => JSON.parse(l)).filter((l) => l.msg.includes("X-Forwarded-For"));
    try {
      expect((await badKey(srv.url)).status).toBe(401);
      expect(warnings()).toEqual([]);
      for (let i = 0; i < BAD_KEYS_PER_MINUTE - 1; i++) expect((await badKey(srv.url, `198.51.100.${i}`)).status).toBe(401);
      // Every forwarded address was ignored: they all spent the peer's bucket.
      expect((await badKey(srv.url, "198.51.100.200")).status).toBe(429);
      expect(warnings()).toEqual([expect.objectContaining({ level: "warn", action: expect.stringContaining("ARGUS_TRUST_PROXY=true") })]);
    } finally {
      srv.stop();
    }
  });
});
