// `argus_` + 26 random hex + 6-hex checksum (low 24 bits of CRC-32 of everything before it).
export const KEY_PREFIX = "argus_";
const SHAPE = /^argus_[0-9a-f]{32}$/;

const checksum = (body: string) => (Bun.hash.crc32(body) & 0xffffff).toString(16).padStart(6, "0");

export function generateKey(): string {
  const random = Buffer.from(crypto.getRandomValues(new Uint8Array(13))).toString("hex");
  const body = KEY_PREFIX + random;
  return body + checksum(body);
}

/** Shape and checksum: a mistyped or made-up key is rejected without touching the database. */
export function isWellFormedKey(key: string): boolean {
  return SHAPE.test(key) && checksum(key.slice(0, 32)) === key.slice(32);
}

export const digestKey = (key: string): string => Bun.SHA256.hash(key, "hex") as string;
