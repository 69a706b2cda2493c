import { createArticles } from "./articles.ts";
import { createAudit } from "./audit.ts";
import type { CoreDeps } from "./deps.ts";
import { createKeyLifecycle } from "./key-lifecycle.ts";
import { createHashing } from "./hashing.ts";
import { createKeys } from "./keys.ts";
import { createLimits } from "./limits.ts";
import { createQuotas } from "./quotas.ts";
import { createTokens } from "./tokens.ts";
import { createUsage } from "./usage.ts";
import { createUsers } from "./users.ts";

/** Everything Argus does, built once per process and shared by both doors. */
export function createCore(deps: CoreDeps) {
  const tokens = createTokens(deps.jwtSecret, deps.clock);
  const usage = createUsage(deps);
  const quotas = createQuotas(deps);
  const keys = createKeys(deps, usage, quotas.unspent);
  const hashing = createHashing({
    concurrency: navigator.hardwareConcurrency,
    maxQueue: deps.config.hashQueueMax,
    cost: deps.passwordCost,
  });
  const users = createUsers(deps, tokens, () => keys.invalidate(), hashing, (userId) => keys.revokeAll(userId));
  const limits = createLimits(deps);
  const audit = createAudit(deps);
  return {
    deps,
    tokens,
    users,
    keys,
    keyLifecycle: createKeyLifecycle(deps, keys, quotas),
    limits,
    quotas,
    hashing,
    articles: createArticles(deps),
    audit,
    usage,
    /**
     * Writes pending key uses and usage counts, gives leased quota units back, stops the database threads, closes
     * the limiter and this thread's connection.
     */
    async close() {
      audit.stop();
      await keys.close();
      await quotas.close();
      await usage.close();
      await deps.work.close();
      await deps.limiter.close();
      deps.db.$client.close();
    },
  };
}
export type Core = ReturnType<typeof createCore>;
