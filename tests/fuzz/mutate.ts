// Input generation for the seeded fuzz test: plausible values per field, then a few mutations of each kind.

export type Ids = { userId: string; adminId: string; keyId: string };
export type Random = ReturnType<typeof seededRandom>;

const FIELDS = [
  "email", "password", "currentPassword", "newPassword", "name", "expiresAt", "scopes", "id", "isActive", "rateLimit",
  "role", "limit", "cursor", "userId", "title", "url", "summary", "content", "source", "author", "tags", "publishedAt",
  "articles", "data", "q", "tag", "since", "until", "__proto__", "constructor", "json", "meta",
];

const STRINGS = [
  "", " ", "x", "true", "false", "0", "-1", "101", "100001", "1e309", "NaN", "null", "2026-11-28", "2026-11-28T12:00:00Z",
  "tomorrow", "a".repeat(600), "\u0000", "\u001b[2J", "\u202e", "🙂", "é", "__proto__", "articles:read", "articles:write",
  "admin", "user", "../../etc/passwd", "%00", "' OR 1=1 --", "<script>", "argus_0000000000000000000000000000000",
  "00000000-0000-4000-8000-000000000000",
];
const NUMBERS = [0, -1, 1, 1.5, 20, 100, 101, 100_000, 100_001, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, Number.NaN, Infinity, -Infinity];

/**
 * `[[[…]]]` nested `depth` deep: past any sane input, and past what a recursive walk survives (JSON.stringify
 * and superjson among them), so it stays a marker until `encodeWire` splices its text into the finished JSON.
 */
export class Deep {
  constructor(readonly depth: number) {}
}
const placeholder = (d: number) => `@@deep:${d}@@`;

function swapDeep(v: unknown): unknown {
  if (v instanceof Deep) return placeholder(v.depth);
  if (Array.isArray(v)) return v.map(swapDeep);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, swapDeep(x)]));
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: swapDeep(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** The JSON text of `encode(v)` (identity for REST, superjson for tRPC), BigInts as numbers, Deep markers spliced in. */
export function encodeWire(v: unknown, encode: (v: unknown) => unknown = (x) => x): string {
  const text = JSON.stringify(encode(swapDeep(v)), (_k, x) => (typeof x === "bigint" ? Number(x) : x)) ?? "null";
  return text.replace(/"@@deep:(\d+)@@"/g, (_m, d) => "[".repeat(Number(d)) + "]".repeat(Number(d)));
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => next() < p;

  const scalar = (ids: Ids): string | number | boolean | null =>
    pick([() => pick(STRINGS), () => pick(NUMBERS), () => chance(0.5), () => null, () => pick(Object.values(ids))])();

  const value = (ids: Ids, depth = 0): unknown => {
    const kinds: (() => unknown)[] = [
      () => scalar(ids),
      () => scalar(ids),
      () => undefined,
      () => new Date(Date.UTC(2026, 10, 28) + (int(2) ? 1 : -1) * int(4e11)),
      () => new Date(Number.NaN),
      () => BigInt(int(1000)) - 500n,
      () => new Deep(pick([40, 5_000, 50_000])),
    ];
    if (depth < 3) {
      kinds.push(
        () => Array.from({ length: int(4) }, () => value(ids, depth + 1)),
        () => object(ids, Array.from({ length: int(4) }, () => pick(FIELDS)), depth + 1, true),
        () => new Map([[pick(STRINGS), value(ids, depth + 1)]]),
        () => new Set([scalar(ids)]),
      );
    }
    return pick(kinds)();
  };

  // Own enumerable properties even for "__proto__", so they reach the wire.
  const object = (ids: Ids, fields: string[], depth: number, random: boolean) => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const v = random ? value(ids, depth) : plausible(f, ids);
      Object.defineProperty(out, f, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };

  const plausible = (field: string, ids: Ids): unknown => {
    switch (field) {
      case "email": return `fuzz${int(50)}@example.com`;
      case "password": case "currentPassword": case "newPassword": return "correct horse battery";
      case "name": case "title": case "summary": case "content": case "author": case "q": return "fuzz";
      case "source": case "tag": return "s";
      case "url": return `https://example.com/${int(20)}`;
      case "tags": return ["a"];
      case "expiresAt": case "publishedAt": case "since": case "until": return new Date(Date.UTC(2026, 10, 28 + int(3)));
      case "scopes": return [pick(["articles:read", "articles:write"])];
      case "id": return pick([ids.keyId, ids.keyId, ids.userId, ids.adminId]);
      case "userId": return ids.userId;
      case "isActive": return chance(0.5);
      case "rateLimit": return 50;
      case "role": return pick(["user", "admin"]);
      case "limit": return 5;
      case "cursor": return null;
      case "data": return pick([{ isActive: chance(0.5) }, { rateLimit: 10 }, { role: "user" }, { isActive: undefined }, { rateLimit: undefined }, {}]);
      case "articles": return [object(ids, ["title", "url", "source", "tags", "publishedAt"], 1, false)];
      default: return scalar(ids);
    }
  };

  return {
    next, int, pick, chance, scalar, value,
    fieldName: () => pick(FIELDS),
    idLike: (ids: Ids) => (chance(0.5) ? pick(Object.values(ids)) : pick(STRINGS)),
    plausibleObject: (ids: Ids, fields: string[]) => object(ids, fields.filter(() => chance(0.85)), 0, false),
  };
}

/** A plausible input for `fields`, then up to 3 mutations: a field retyped, dropped, undefined, or an unknown one added. */
export function mutateInput(r: Random, fields: string[], ids: Ids): unknown {
  if (r.chance(0.08)) return r.value(ids);
  const input = r.plausibleObject(ids, fields);
  const names = fields.length ? fields : ["x"];
  for (let i = r.int(4); i > 0; i--) {
    const f = r.pick(names);
    switch (r.int(5)) {
      case 0: input[f] = r.value(ids); break;
      case 1: delete input[f]; break;
      case 2: input[f] = undefined; break;
      case 3: Object.defineProperty(input, r.fieldName(), { value: r.value(ids), enumerable: true, writable: true, configurable: true }); break;
      default: break; // left plausible, so some calls get past validation into the core
    }
  }
  return input;
}
