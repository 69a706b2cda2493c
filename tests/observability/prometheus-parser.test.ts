import { expect, test, setDefaultTimeout } from "bun:test";
import { parsePrometheus } from "../support/prometheus.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The metrics tests lean on this reader; it must reject what Prometheus rejects, or a broken /metrics would pass.
test("the test's Prometheus reader rejects malformed exposition text", () => {
  const bad = [
    'a{b="c} 1', // unterminated label value
    "a 1x", // not a number
    "1a 2", // bad metric name
    'a{b="c"}', // no value
    '# TYPE a counter\na 1\nb 1\na{x="1"} 2', // a family split in two
    'a{b="c"} 1\na{b="c"} 2', // the same series twice
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1', // buckets not cumulative
    'a{b="\\x"} 1', // unknown escape
    "# TYPE a countr", // unknown type
  ];
  for (const text of bad) expect(() => parsePrometheus(text)).toThrow();
});

test("the test's Prometheus reader reads escapes, timestamps, NaN and blank lines", () => {
  const families = parsePrometheus('# HELP a x\n# TYPE a counter\na{b="c\\"d"} 1 123\n\nb NaN\n');
  expect(families.get("a")!.samples[0]).toEqual({ name: "a", labels: { b: 'c"d' }, value: 1 });
  expect(families.get("b")!.samples[0]!.value).toBeNaN();
});
