import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalAddress, canonicalPeer } from "../../server/core/address.ts";
import { msText } from "../../server/observability/access-log.ts";

setDefaultTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "argus-log-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = join(import.meta.dir, "../..");

/** Runs `body` in a child process with `lines` = batchedLines(<file>) and `logger` = createLogger("info", lines); returns the file. */
async function childWrites(name: string, body: string): Promise<string> {
  const file = join(dir, name);
  const script = `
    import { openSync } from "node:fs";
    import { batchedLines, createLogger } from ${JSON.stringify(join(ROOT, "server/logger.ts"))};
    const lines = batchedLines(openSync(${JSON.stringify(file)}, "a"));
    const logger = createLogger("info", lines);
    ${body}
  `;
  const proc = Bun.spawn([process.execPath, "-e", script], { stderr: "pipe" });
  const code = await proc.exited;
  expect(await new Response(proc.stderr).text()).toBe("");
  expect(code).toBe(0);
  return readFileSync(file, "utf8");
}

describe("batched log lines", () => {
  test("every line reaches the file once, in order, as UTF-8, including what is left at exit", async () => {
    // 3,000 lines of ~100 bytes: several 64 KiB batches, then a partial one that only the exit flush writes.
    const text = await childWrites("order.log", `
      for (let i = 0; i < 3000; i++) lines(JSON.stringify({ i, pad: "x".repeat(80), s: i % 500 === 0 ? "café ✓ 🙂 \\u2028" : "" }));
    `);
    const got = text.split("\n");
    expect(got.pop()).toBe(""); // ends with a newline
    expect(got).toHaveLength(3000);
    got.forEach((line, i) => expect(JSON.parse(line)).toEqual({ i, pad: "x".repeat(80), s: i % 500 === 0 ? "café ✓ 🙂 \u2028" : "" }));
  });

  test("a line longer than the batch buffer is written whole, between its neighbours", async () => {
    const text = await childWrites("long.log", `
      lines("first");
      lines("é".repeat(200_000));
      lines("last");
    `);
    expect(text).toBe(`first\n${"é".repeat(200_000)}\nlast\n`);
  });

  test("logger lines start with time, level and message, and the start changes with each of them", async () => {
    const text = await childWrites("logger.log", `
      logger.json("info", "request", '"a":1');
      logger.json("info", "request", "");
      logger.warn("a \\"quoted\\" message", { b: 2 });
      logger.json("info", "request", '"c":3');
      await Bun.sleep(5);
      logger.json("info", "request", '"d":4');
    `);
    const got = text.trim().split("\n").map((l) => JSON.parse(l));
    expect(got.map(({ time, ...rest }) => rest)).toEqual([
      { level: "info", msg: "request", a: 1 },
      { level: "info", msg: "request" },
      { level: "warn", msg: 'a "quoted" message', b: 2 },
      { level: "info", msg: "request", c: 3 },
      { level: "info", msg: "request", d: 4 },
    ]);
    for (const l of got) expect(Date.parse(l.time)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(got[4].time)).toBeGreaterThan(Date.parse(got[3].time));
  });
});

describe("pieces of the access line", () => {
  test("milliseconds print as Math.round(seconds * 1e5) / 100 prints them", () => {
    const samples = [0, 1e-9, 0.000004, 0.000005, 0.0000123, 0.0001, 0.00015, 0.001, 0.0123456, 1, 2.5, 12.3456, 1e6, NaN, Infinity, -0.001];
    for (let i = 0; i < 20_000; i++) samples.push(i * 1e-7, Math.random() ** 3 * 100);
    for (const s of samples) expect(msText(s)).toBe(`${Math.round(s * 1e5) / 100}`);
  });

  test("a peer address is canonicalized as canonicalAddress does, remembered or not", () => {
    const spellings = ["127.0.0.1", "::ffff:127.0.0.1", "::1", "[::1]:5555", "001.2.3.4", "2001:DB8::1", "fe80::1%eth0", "not an address", ""];
    for (let round = 0; round < 2; round++) for (const s of spellings) expect(canonicalPeer(s)).toBe(canonicalAddress(s));
    // Past the bound the memory empties and answers stay right.
    for (let i = 0; i < 5000; i++) expect(canonicalPeer(`10.0.${i >> 8}.${i & 255}`)).toBe(`10.0.${i >> 8}.${i & 255}`);
    for (const s of spellings) expect(canonicalPeer(s)).toBe(canonicalAddress(s));
  });
});
