import { AsyncLocalStorage } from "node:async_hooks";

/** Who did it, from where, in which request: what every audit event carries besides its own facts. */
export type AuditContext = { actor: string; ip: string | null; requestId: string | null };

/** A door's view of the caller; `actor` is read when an event is written (the principal is resolved later). */
export type AuditScope = { requestId: string | null; ip: string | null; actor: () => string };

const scopes = new AsyncLocalStorage<AuditScope>();
const SYSTEM: AuditContext = { actor: "system", ip: null, requestId: null };

/** Runs `fn` (and everything it awaits) as the given caller; the doors and the CLI set this, core reads it. */
export const withAuditScope = <T>(scope: AuditScope, fn: () => T): T => scopes.run(scope, fn);

/** The caller of the current request or command; "system" outside any (timers, start-up). */
export function auditContext(): AuditContext {
  const s = scopes.getStore();
  return s ? { actor: s.actor(), ip: s.ip, requestId: s.requestId } : SYSTEM;
}
