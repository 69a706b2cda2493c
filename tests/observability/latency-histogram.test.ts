import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { Histogram, Registry } from "prom-client";
import { createMetrics, HTTP_BUCKETS } from "../../server/observability/metrics.ts";

setDefaultTimeout(60_000);

const NAME = "argus_http_request_duration_seconds";
const lines = (text: string) => text.split("\n").filter((l) => l.startsWith(NAME));

describe("the request latency histogram", () => {
  test("prints exactly what prom-client's Histogram prints for the same observations", async () => {
    const observations: [string, string, number][] = [
      ["/api/health", "GET", 0.0003], ["/api/health", "GET", 0.02], ["/api/health", "GET", 0.0005],
      ["/api/keys/:id", "DELETE", 7], ["/trpc/auth.me", "GET", 0.004],
    ];
    for (const defaults of [{}, { pid: "42" }] as Record<string, string>[]) {
      const ours = createMetrics(defaults);
      const registry = new Registry();
      registry.setDefaultLabels(defaults);
      const reference = new Histogram({ name: NAME, help: "x", labelNames: ["route", "method"], buckets: HTTP_BUCKETS, registers: [registry] });
      for (const [route, method, seconds] of observations) {
        ours.request(route, method, 200, seconds);
        reference.observe({ route, method }, seconds);
      }
      const expected = lines(await registry.metrics());
      expect(expected).toHaveLength(3 * (HTTP_BUCKETS.length + 3));
      expect(lines(await ours.registry.metrics())).toEqual(expected);
    }
  });
});
