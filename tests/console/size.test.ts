import { expect, test } from "bun:test";
import { consoleSize } from "../../bench/console-size.ts";

test("the console's initial JavaScript stays within 250 KB gzipped (figure in bench/README.md)", async () => {
  const { files, jsGzip } = await consoleSize();
  expect(files.some((f) => f.path.endsWith(".js"))).toBe(true);
  expect(files.some((f) => f.path.endsWith(".css"))).toBe(true);
  expect(jsGzip).toBeLessThanOrEqual(250 * 1024);
});
