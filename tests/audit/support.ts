import { createHarness, type Harness } from "../support/harness.ts";

export type Row = {
  seq: number; id: string; at: number; actor: string; action: string; target_type: string | null; target_id: string | null;
  subject_user_id: string | null; ip: string | null; request_id: string | null; changes: string | null;
};

/** Every audit row in the database, oldest first (read straight from SQLite, not through the API under test). */
export const rows = (h: Harness): Row[] => h.core.deps.db.$client.query("SELECT * FROM audit_events ORDER BY seq").all() as Row[];
export const rowsFor = (h: Harness, action: string) => rows(h).filter((r) => r.action === action);

/** A harness behind a trusted proxy, so each request can say its own client address. */
export const auditHarness = () => createHarness({ trustProxy: true });

/** Request options from a given client address. */
export const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });

/** Runs `act` and returns the one event it added (failing unless it added exactly one, of `action`). */
export async function oneEvent(h: Harness, action: string, act: () => Response | Promise<Response>) {
  const before = rows(h).length;
  const res = await act();
  const added = rows(h).slice(before);
  if (added.length !== 1 || added[0]!.action !== action) {
    throw new Error(`expected one ${action} event, got ${JSON.stringify(added.map((r) => r.action))} (status ${res.status})`);
  }
  return { res, event: added[0]!, body: (await res.clone().json()) as any };
}
