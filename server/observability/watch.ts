import type { Decision, RateLimitStore } from "../core/ratelimit/store.ts";
import type { DbWork } from "../db-thread/work.ts";
import type { Metrics } from "./metrics.ts";

/** Limiter buckets by the namespace their callers give them (`key:<id>`, `badkey:<ip>`, `login:email:<e>` …). */
const LIMIT_OF: Record<string, string> = { key: "key", badkey: "invalid_key", login: "login", password: "password" };

/** The store with every denial counted by bucket kind; the state gauge reads its health. */
export function watchLimiter(inner: RateLimitStore, metrics: Metrics): RateLimitStore {
  metrics.watch({ limiterUp: () => inner.health() === "ok" });
  const count = (key: string, d: Decision) => {
    if (!d.allowed) metrics.rateLimitDenied(LIMIT_OF[key.slice(0, key.indexOf(":"))] ?? "other");
    return d;
  };
  return {
    consume(key, limit, windowMs, cost) {
      const d = inner.consume(key, limit, windowMs, cost);
      return d instanceof Promise ? d.then((r) => count(key, r)) : count(key, d);
    },
    consumeAll(charges) {
      const ds = inner.consumeAll(charges);
      const countAll = (list: Decision[]) => {
        for (let i = 0; i < list.length; i++) count(charges[i]!.key, list[i]!);
        return list;
      };
      return ds instanceof Promise ? ds.then(countAll) : countAll(ds);
    },
    health: () => inner.health(),
    ready: inner.ready && (() => inner.ready!()),
    close: () => inner.close(),
  };
}

/** Database work with each write timed from submission to commit; the pending-jobs gauge reads its load. */
export function watchWork(inner: DbWork, metrics: Metrics): DbWork {
  metrics.watch({ dbLoad: () => inner.load() });
  return {
    async write(name, args) {
      const started = performance.now();
      try {
        return await inner.write(name, args);
      } finally {
        metrics.dbWrite(name, (performance.now() - started) / 1000);
      }
    },
    read: (name, args) => inner.read(name, args),
    load: () => inner.load(),
    health: () => inner.health(),
    close: () => inner.close(),
  };
}
