import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** How a key check ended, as `authenticate` in server/core/keys.ts decides it. */
export type KeyOutcome = "ok" | "invalid" | "revoked" | "deactivated" | "expired" | "owner_deactivated";
const KEY_OUTCOMES: KeyOutcome[] = ["ok", "invalid", "revoked", "deactivated", "expired", "owner_deactivated"];

/** The `limit` label of a rate-limit denial. */
const LIMITS = ["key", "invalid_key", "login", "password", "other"] as const;

// Request latencies on this box run from ~20 µs (in process) to seconds (argon2id under load).
export const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const WRITE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5];

type Labels = Record<string, string | number>;
type Series = { labels: Labels; counts: Float64Array; sum: number; count: number };

/**
 * Counts kept in a Map on the request path and handed to prom-client when scraped (its `collect` hook), so an
 * increment costs one lookup instead of prom-client's label validation and hashing.
 */
function tally() {
  const counts = new Map<string, { labels: Labels; n: number }>();
  return {
    /** Counts one for `key`; false when the key is new and `first` must name its labels. */
    add(key: string): boolean {
      const entry = counts.get(key);
      if (entry) entry.n++;
      return entry !== undefined;
    },
    first(key: string, labels: Labels) {
      counts.set(key, { labels, n: 1 });
    },
    /** The count for `key` (created at 0), for a caller that keeps it and adds to `n` itself; never removed. */
    entry(key: string, labels: () => Labels): { labels: Labels; n: number } {
      let e = counts.get(key);
      if (!e) counts.set(key, (e = { labels: labels(), n: 0 }));
      return e;
    },
    drainInto(counter: Counter) {
      for (const e of counts.values()) {
        if (e.n === 0) continue;
        counter.inc(e.labels, e.n);
        e.n = 0;
      }
    },
  };
}

/**
 * A histogram whose series are plain counts, registered as a metric of its own with the same exposition as
 * prom-client's Histogram (cumulative `_bucket` lines with `le`, `+Inf`, `_sum`, `_count`). prom-client's
 * observe() validates and hashes the labels on every call, about 1 µs a request here; this is one Map lookup.
 */
function fastHistogram(registry: Registry, opts: { name: string; help: string; buckets: number[] }) {
  const { name, help, buckets } = opts;
  const series = new Map<string, Series>();
  const values = () => {
    const out: { labels: Labels; value: number; metricName: string }[] = [];
    for (const s of series.values()) {
      let acc = 0;
      buckets.forEach((le, i) => {
        acc += s.counts[i]!;
        out.push({ labels: { le, ...s.labels }, value: acc, metricName: `${name}_bucket` });
      });
      out.push({ labels: { le: "+Inf", ...s.labels }, value: s.count, metricName: `${name}_bucket` });
      out.push({ labels: { ...s.labels }, value: s.sum, metricName: `${name}_sum` });
      out.push({ labels: { ...s.labels }, value: s.count, metricName: `${name}_count` });
    }
    return out;
  };
  const metric = {
    name, help, type: "histogram", aggregator: "sum",
    get: async () => ({ name, help, type: "histogram", aggregator: "sum", values: values() }),
    reset: () => series.clear(),
  };
  registry.registerMetric(metric as unknown as Histogram);
  return {
    /** The series `key`, created with `labels` when new: callers keep it and observe into it directly. */
    series(key: string, labels: () => Labels): Series {
      let s = series.get(key);
      if (!s) series.set(key, (s = { labels: labels(), counts: new Float64Array(buckets.length), sum: 0, count: 0 }));
      return s;
    },
    /** One observation into a series. */
    observe(s: Series, value: number) {
      for (let i = 0; i < buckets.length; i++) {
        if (value <= buckets[i]!) {
          s.counts[i]!++;
          break;
        }
      }
      s.sum += value;
      s.count++;
    },
  };
}

/**
 * The Prometheus registry of one core (not prom-client's global one, so several cores in one process, as in the
 * tests, never share a counter). Core reports through the narrow hooks, the HTTP door through `request`, and
 * server/observability/watch.ts wraps the limiter store and the database work.
 */
export function createMetrics(labels: Record<string, string> = {}) {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const requestTally = tally();
  const requests = new Counter({
    name: "argus_http_requests_total",
    help: "HTTP requests answered, by route pattern, method and status",
    labelNames: ["route", "method", "status"],
    registers,
    collect() {
      requestTally.drainInto(this);
    },
  });
  const latency = fastHistogram(registry, {
    name: "argus_http_request_duration_seconds",
    help: "Time from the request entering the app to its response, by route pattern and method",
    buckets: HTTP_BUCKETS,
  });
  const keyTally = tally();
  const keys = new Counter({
    name: "argus_key_verifications_total",
    help: "API key checks by outcome",
    labelNames: ["outcome"],
    registers,
    collect() {
      keyTally.drainInto(this);
    },
  });
  const denials = new Counter({
    name: "argus_rate_limit_denials_total",
    help: "Requests refused by a rate-limit bucket: key (per-key limit), invalid_key, login, password (failure throttles)",
    labelNames: ["limit"] as const,
    registers,
  });
  const loginFailures = new Counter({
    name: "argus_login_failures_total",
    help: "Logins refused for a wrong email or password (throttled attempts count as rate-limit denials)",
    registers,
  });
  const writes = new Histogram({
    name: "argus_sqlite_write_duration_seconds",
    help: "Time from a write job's submission to its commit on the writer thread (queue wait included), by job",
    labelNames: ["job"] as const,
    buckets: WRITE_BUCKETS,
    registers,
  });
  const sources = {
    hashingQueue: (): number => 0,
    limiterUp: (): boolean => true,
    dbLoad: (): { writes: number; reads: number } => ({ writes: 0, reads: 0 }),
  };
  new Gauge({
    name: "argus_hashing_queue_depth",
    help: "Password hashes and verifications waiting for a hashing slot",
    registers,
    collect() {
      this.set(sources.hashingQueue());
    },
  });
  new Gauge({
    name: "argus_rate_limit_store_up",
    help: "1 while the rate-limit store answers, 0 while it is degraded (the configured Redis is unreachable)",
    registers,
    collect() {
      this.set(sources.limiterUp() ? 1 : 0);
    },
  });
  new Gauge({
    name: "argus_db_pending_jobs",
    help: "Database jobs sent to the writer or reader threads and not yet answered",
    labelNames: ["thread"] as const,
    registers,
    collect() {
      const load = sources.dbLoad();
      this.set({ thread: "writer" }, load.writes);
      this.set({ thread: "reader" }, load.reads);
    },
  });

  // Every outcome and limit shows from the first scrape, at 0, so rate() works before the first event.
  for (const outcome of KEY_OUTCOMES) keys.inc({ outcome }, 0);
  for (const limit of LIMITS) denials.inc({ limit }, 0);

  // Route patterns and methods are bounded label values (the door maps anything else to a fixed one).
  const routes = new Map<string, Map<string, { latency: Series; counted: Map<number, { n: number }> }>>();
  return {
    registry,
    request(route: string, method: string, status: number, seconds: number) {
      // Per route and method, the latency series and the counter keys by status, found without building a key.
      let byMethod = routes.get(route);
      if (!byMethod) routes.set(route, (byMethod = new Map()));
      let r = byMethod.get(method);
      if (!r) {
        // Default labels first, where prom-client's Histogram puts them.
        r = { latency: latency.series(`${route} ${method}`, () => ({ ...labels, route, method })), counted: new Map() };
        byMethod.set(method, r);
      }
      let count = r.counted.get(status);
      if (!count) r.counted.set(status, (count = requestTally.entry(`${route} ${method} ${status}`, () => ({ route, method, status }))));
      count.n++;
      latency.observe(r.latency, seconds);
    },
    keyVerified(outcome: KeyOutcome) {
      if (!keyTally.add(outcome)) keyTally.first(outcome, { outcome });
    },
    loginFailed: () => loginFailures.inc(),
    rateLimitDenied: (limit: string) => denials.inc({ limit }),
    dbWrite: (job: string, seconds: number) => writes.observe({ job }, seconds),
    /** Points the gauges at what they read on each scrape. */
    watch(from: Partial<typeof sources>) {
      Object.assign(sources, from);
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
