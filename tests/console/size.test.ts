import { expect, test, setDefaultTimeout } from "bun:test";
import { consoleSize } from "../../bench/console-size.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

test("the console's initial JavaScript stays within 250 KB gzipped (figure in bench/README.md)", async () => {
  const { files, jsGzip } = await consoleSize();
  expect(files.some((f) => f.path.endsWith(".js"))).toBe(true);
  expect(files.some((f) => f.path.endsWith(".css"))).toBe(true);
  expect(jsGzip).toBeLessThanOrEqual(250 * 1024);
});
