import { EPS, toDecision, type Decision } from "./bucket.ts";
import type { Charge } from "./store.ts";

// decide() from bucket.ts over every bucket in KEYS, run inside Redis so check-and-spend is atomic across every
// process sharing it, and all-or-nothing across the buckets: if any denies, none is written. ARGV holds
// (limit, window, cost) per key. Time is Redis's TIME, so workers with skewed clocks still agree. A full bucket
// is deleted: the same as a missing one.
export const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seen, ok = {}, true
for i = 1, #KEYS do
  local limit, window, cost = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
  local s = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local tokens, at = limit, now
  if s[1] and s[2] then
    local ts = tonumber(s[2])
    at = math.max(now, ts)
    tokens = math.min(limit, tonumber(s[1]) + (at - ts) * limit / window)
  end
  local allowed = cost < 0 or tokens + ${EPS} >= math.max(1, cost)
  if allowed then tokens = math.min(limit, tokens - cost) else ok = false end
  seen[i] = { allowed, tokens, at, limit, window }
end
local out = { now }
for i = 1, #KEYS do
  local allowed, tokens, at, limit, window = unpack(seen[i])
  if ok then
    local fullMs = math.ceil((limit - tokens) * window / limit - ${EPS})
    if fullMs <= 0 then
      redis.call('DEL', KEYS[i])
    else
      redis.call('HSET', KEYS[i], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', at))
      redis.call('PEXPIRE', KEYS[i], fullMs + at - now)
    end
  end
  out[#out + 1] = allowed and 1 or 0
  out[#out + 1] = string.format('%.17g', tokens)
  out[#out + 1] = at
end
return out`;
export const SHA = new Bun.CryptoHasher("sha1").update(SCRIPT).digest("hex");

type Filled = Required<Charge>;

/** EVALSHA's arguments after the script: the key count, the keys, then (limit, window, cost) per key. */
export const scriptArgs = (charges: Filled[], prefix: string) => [
  String(charges.length),
  ...charges.map((c) => prefix + c.key),
  ...charges.flatMap((c) => [String(c.limit), String(c.windowMs), String(c.cost)]),
];

/** The script's reply, `[now, (allowed, tokens, at) per key]`, as one Decision per charge. */
export function readReply(reply: unknown, charges: Filled[]): Decision[] {
  const r = reply as (number | string)[];
  const now = Number(r[0]);
  return charges.map((c, i) =>
    toDecision(Number(r[1 + 3 * i]) === 1, Number(r[2 + 3 * i]), c.limit, Number(r[3 + 3 * i]), c.windowMs, now, c.cost),
  );
}
