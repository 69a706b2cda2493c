import { afterEach, beforeEach, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// The admin's audit list can be asked for filter combinations no single index answers (an actor AND an action that
// never met): SQLite then walks one index through every row of it. That walk runs on a reader thread, so the
// thread serving requests goes on meanwhile.

const ROWS = 200_000;
let h: Harness;
beforeEach(async () => void (h = await createHarness()));
afterEach(() => h.close());

/** ROWS events: half by "actor-a" doing key.create, half by "actor-b" doing key.revoke; none by a doing key.revoke. */
function seed() {
  const sqlite = h.core.deps.db.$client;
  const insert = sqlite.prepare(
    "INSERT INTO audit_events (id, at, actor, action, target_type, target_id) VALUES (?, ?, ?, ?, 'key', 'k')",
  );
  sqlite.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const a = i % 2 === 0;
      insert.run(`e${i}`, Date.UTC(2026, 0, 1) + i, a ? "actor-a" : "actor-b", a ? "key.create" : "key.revoke");
    }
  })();
}

test("a filter combination that walks every row answers from a reader thread, and answers right", async () => {
  seed();
  const admin = await h.signUp("admin");
  const list = Promise.resolve(h.request("/api/admin/audit?actor=actor-a&action=key.revoke&limit=5", { token: admin.token }));
  let answered = false;
  void list.then(() => (answered = true));
  // On this thread the walk would have run to the end within the request's own microtasks, before this timer.
  await Bun.sleep(0);
  expect(answered).toBe(false);
  const res = await list;
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ success: true, data: [], meta: { hasMore: false, nextCursor: null } });

  const found = await (await h.request("/api/admin/audit?actor=actor-b&action=key.revoke&limit=2", { token: admin.token })).json() as any;
  expect(found.data.map((e: any) => e.id)).toEqual([`e${ROWS - 1}`, `e${ROWS - 3}`]);
  expect(found.meta.hasMore).toBe(true);
});
