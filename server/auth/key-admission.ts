import type { Principal } from "./principal.ts";
import type { Core } from "../core/index.ts";
import type { QuotaState } from "../core/quotas.ts";
import type { Decision } from "../core/ratelimit/store.ts";
import { admittedOutcome } from "../core/usage.ts";
import { AppError, tooManyRequests } from "../errors.ts";

/** What charging a key decided: the headers every answer to it carries, and the refusal if it was refused. */
export type Admission = { headers: Record<string, string>; quota: QuotaState | null; refused: AppError | null };

/**
 * Charges an API key one token (and one unit of its quota, if it has one). A refused request is counted in the
 * key's usage here; an admitted one is counted by settleKey once its status is known. Both doors (the app's
 * middleware and the fast path) call these two, so a key request costs and counts the same whichever answers it.
 */
export function admitKey(core: Core, principal: Principal): Admission | Promise<Admission> {
  const decision = core.limits.charge(principal);
  return decision instanceof Promise ? decision.then((d) => charged(core, principal, d)) : charged(core, principal, decision);
}

// Answered without a promise when nothing waits (the in-memory limiter, no quota): most key requests.
function charged(core: Core, principal: Principal, decision: Decision): Admission | Promise<Admission> {
  const headers = core.limits.headers(decision);
  // A key with a quota spends a unit once past its rate limit, and gets it back if the request then fails.
  if (!principal.quota) return decided(core, principal, decision, headers, null);
  const withQuota = (quota: QuotaState) => {
    Object.assign(headers, core.quotas.headers(quota));
    return decided(core, principal, decision, headers, quota);
  };
  const quota = core.quotas.take(principal.keyId!, principal.quota, decision.allowed);
  return quota instanceof Promise ? quota.then(withQuota) : withQuota(quota);
}

function decided(core: Core, principal: Principal, decision: Decision, headers: Record<string, string>, quota: QuotaState | null): Admission {
  const refused = !decision.allowed
    ? tooManyRequests(decision.retryAfter, "Rate limit exceeded")
    : quota && !quota.allowed ? core.quotas.exceeded(quota) : null;
  if (refused) core.usage.count(principal.keyId!, decision.allowed ? "quotaExceeded" : "rateLimited");
  return { headers, quota, refused };
}

/**
 * After an admitted key request is answered with `status`: counts it, and gives the quota unit back on a failure
 * (a promise only then).
 */
export function settleKey(core: Core, principal: Principal, admission: Admission, status: number): void | Promise<void> {
  core.usage.count(principal.keyId!, admittedOutcome(status));
  const { quota } = admission;
  if (quota && status >= 400) {
    return core.quotas.refund(quota).then(() => void Object.assign(admission.headers, core.quotas.headers(quota)));
  }
}
