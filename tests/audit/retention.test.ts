import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { ConfigError, loadConfig } from "../../server/config.ts";
import { PRUNE_CHUNK } from "../../server/core/audit.ts";
import { createHarness, type Harness } from "../support/harness.ts";
import { rows } from "./support.ts";

setDefaultTimeout(60_000);

// ARGUS_AUDIT_RETENTION_DAYS: events past it are deleted in bounded chunks, in the background.

const DAY = 24 * 60 * 60 * 1000;
let h: Harness;
afterEach(() => h.close());

/** `n` events at `at`, written straight into the table (a year of history is too slow to make through the API). */
function insertOld(n: number, at: number) {
  const insert = h.core.deps.db.$client.prepare("INSERT INTO audit_events (id, at, actor, action) VALUES (?, ?, 'system', 'key.create')");
  h.core.deps.db.$client.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(`evt_old_${at}_${i}`, at);
  })();
}

describe("retention", () => {
  test("prune deletes exactly the events older than the retention, however many, and keeps the rest", async () => {
    h = await createHarness({ auditRetentionDays: 30 });
    const now = h.clock.now();
    insertOld(PRUNE_CHUNK * 2 + 17, now - 31 * DAY);
    insertOld(3, now - 30 * DAY + 1); // inside the window by 1 ms
    const user = await h.signUp(); // a fresh event through the API
    const before = rows(h).length;
    expect(await h.core.audit.prune()).toBe(PRUNE_CHUNK * 2 + 17);
    const left = rows(h);
    expect(left.length).toBe(before - (PRUNE_CHUNK * 2 + 17));
    expect(left.every((r) => r.at > now - 30 * DAY)).toBe(true);
    expect(left.some((r) => r.subject_user_id === user.user.id)).toBe(true);
    expect(await h.core.audit.prune()).toBe(0);

    // Time passes: what was kept ages out too.
    h.clock.advance(31 * DAY);
    await h.core.audit.prune();
    expect(rows(h)).toEqual([]);
  });

  test("0 keeps everything; the background timer prunes on its own and stops with the core", async () => {
    h = await createHarness({ auditRetentionDays: 0 });
    insertOld(5, h.clock.now() - 4000 * DAY);
    expect(await h.core.audit.prune()).toBe(0);
    expect(rows(h)).toHaveLength(5);
    await h.close();

    h = await createHarness({ auditRetentionDays: 1 });
    insertOld(5, h.clock.now() - 2 * DAY);
    h.core.audit.start(0);
    const deadline = Date.now() + 10_000;
    while (rows(h).length > 0 && Date.now() < deadline) await Bun.sleep(20);
    expect(rows(h)).toHaveLength(0);
    h.core.audit.stop();
  });

  test("ARGUS_AUDIT_RETENTION_DAYS: default 365, whole days 0-36500, anything else stops the start", () => {
    expect(loadConfig({}).auditRetentionDays).toBe(365);
    expect(loadConfig({ ARGUS_AUDIT_RETENTION_DAYS: "90" }).auditRetentionDays).toBe(90);
    expect(loadConfig({ ARGUS_AUDIT_RETENTION_DAYS: "0" }).auditRetentionDays).toBe(0);
    for (const bad of ["-1", "1.5", "forever", "36501"]) {
      expect(() => loadConfig({ ARGUS_AUDIT_RETENTION_DAYS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ARGUS_AUDIT_RETENTION_DAYS: bad })).toThrow(/ARGUS_AUDIT_RETENTION_DAYS/);
    }
  });
});
