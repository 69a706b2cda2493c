import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fromAddress } from "../support/from-address.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

let h: Harness;
afterEach(() => h?.close());

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const latest = (key: string) => h.app.request("/api/v1/articles/latest", { headers: { "x-api-key": key } }, fromAddress("127.0.0.1"));
const count = (sql: string, ...args: (string | number)[]) => (h.core.deps.db.$client.query(sql).get(...args) as { n: number }).n;
const rowsOf = (unit: string) => count("SELECT count(*) AS n FROM key_usage WHERE unit = ?", unit);

describe("rollups", () => {
  test("minute, hour and day series of the same requests agree, across hour and day boundaries", async () => {
    h = await createHarness({ rateLimitPerMinute: 100_000 });
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    // From 22:58 on day 1 to 01:05 on day 2, a request every 7 minutes, 1 to 3 at a time.
    h.clock.set(Date.parse("2026-11-28T22:58:00Z"));
    let sent = 0;
    for (let i = 0; h.clock.now() < Date.parse("2026-11-29T01:05:00Z"); i++, h.clock.advance(7 * MIN)) {
      for (let j = 0; j <= i % 3; j++, sent++) expect((await latest(k.key)).status).toBe(200);
    }
    const series = async (granularity: string) =>
      ((await (await h.request(`/api/keys/${k.id}/usage?granularity=${granularity}&since=2026-11-28T22:00:00Z&until=2026-11-29T02:00:00Z`, { token: u.token })).json()) as any).data;
    const [minutes, hours, days] = [await series("minute"), await series("hour"), await series("day")];
    const sumBy = (points: { start: string; ok: number }[], unit: number) => {
      const out: Record<string, number> = {};
      for (const p of points) {
        const at = new Date(Date.parse(p.start) - (Date.parse(p.start) % unit)).toISOString();
        out[at] = (out[at] ?? 0) + p.ok;
      }
      return out;
    };
    expect(minutes.totals.ok).toBe(sent);
    expect(hours.totals).toEqual(minutes.totals);
    expect(days.totals).toEqual(minutes.totals);
    expect(minutes.points.every((p: any) => Date.parse(p.start) % MIN === 0)).toBe(true);
    expect(sumBy(minutes.points, HOUR)).toEqual(Object.fromEntries(hours.points.map((p: any) => [p.start, p.ok])));
    expect(sumBy(hours.points, DAY)).toEqual(Object.fromEntries(days.points.map((p: any) => [p.start, p.ok])));
    expect(Object.keys(sumBy(minutes.points, HOUR))).toEqual([
      "2026-11-28T22:00:00.000Z", "2026-11-28T23:00:00.000Z", "2026-11-29T00:00:00.000Z", "2026-11-29T01:00:00.000Z",
    ]);
    expect(days.points.map((p: any) => p.start)).toEqual(["2026-11-28T00:00:00.000Z", "2026-11-29T00:00:00.000Z"]);
  });
});

describe("write-behind", () => {
  test("counts wait in memory until a flush, which adds them to the rows already there", async () => {
    h = await createHarness();
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    for (let i = 0; i < 3; i++) await latest(k.key);
    expect(count("SELECT count(*) AS n FROM key_usage")).toBe(0);
    await h.core.usage.flush();
    for (let i = 0; i < 2; i++) await latest(k.key);
    await h.core.usage.flush();
    expect(count("SELECT ok AS n FROM key_usage WHERE key_id = ? AND unit = 'minute'", k.id)).toBe(5);
    expect(count("SELECT ok AS n FROM key_usage WHERE key_id = ? AND unit = 'day'", k.id)).toBe(5);
  });

  test("closing the core (the SIGTERM path) writes what is still in memory", async () => {
    h = await createHarness();
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    for (let i = 0; i < 4; i++) await latest(k.key);
    expect(count("SELECT count(*) AS n FROM key_usage")).toBe(0);
    const file = join(h.dataDir, "argus.db");
    await h.core.close();
    const db = new Database(file, { readonly: true });
    expect(db.query("SELECT unit, ok FROM key_usage ORDER BY unit").all()).toEqual(["day", "hour", "minute"].map((unit) => ({ unit, ok: 4 })));
    db.close();
    rmSync(h.dataDir, { recursive: true, force: true });
    h = undefined!; // closed above
  });

  test("a key deleted before the flush is skipped; the rest of the batch is written", async () => {
    h = await createHarness();
    const u = await h.signUp();
    const admin = await h.signUp("admin");
    const gone = await h.createKey(u.token, { name: "gone" });
    const kept = await h.createKey(u.token, { name: "kept" });
    await latest(gone.key);
    await latest(kept.key);
    expect((await h.request(`/api/admin/api-keys/${gone.id}`, { method: "DELETE", token: admin.token })).status).toBe(200);
    await h.core.usage.flush();
    expect(count("SELECT count(*) AS n FROM key_usage WHERE key_id = ?", gone.id)).toBe(0);
    expect(count("SELECT ok AS n FROM key_usage WHERE key_id = ? AND unit = 'hour'", kept.id)).toBe(1);
    // Deleting a key deletes its usage with it.
    expect((await h.request(`/api/admin/api-keys/${kept.id}`, { method: "DELETE", token: admin.token })).status).toBe(200);
    expect(count("SELECT count(*) AS n FROM key_usage")).toBe(0);
  });
});

describe("retention", () => {
  test("minutes go after 48 hours, hours after 90 days, days stay; a prune deletes in bounded jobs", async () => {
    h = await createHarness();
    const u = await h.signUp();
    const k = await h.createKey(u.token);
    const start = h.clock.now();
    await latest(k.key);
    await h.core.usage.flush();
    // 12,000 more minute rows (and their hours and days) through the real write job: two days' worth of minutes,
    // written as if it were 1,000 days ago.
    const old = start - 1000 * DAY;
    const increments = Array.from({ length: 12_000 }, (_, i) => [k.id, old + i * MIN, [1, 0, 0, 0, 0, 0, 0, 0, 0]] as [string, number, number[]]);
    await h.core.deps.work.write("usage.add", { increments });
    expect(rowsOf("minute")).toBe(12_001);

    h.clock.set(start + 48 * HOUR); // exactly 48 h on: the newest minute is still kept
    // 12,000 old minutes and their 200 hours, in jobs of at most 5,000 rows.
    expect(await h.core.usage.prune()).toBe(12_200);
    expect(rowsOf("minute")).toBe(1);
    h.clock.set(start + 48 * HOUR + MIN);
    await h.core.usage.prune();
    expect(rowsOf("minute")).toBe(0);
    expect(rowsOf("hour")).toBe(1);
    expect(rowsOf("day")).toBe(1 + 9); // 12,000 minutes from midnight cover 9 days' rows

    h.clock.set(start + 90 * DAY + HOUR);
    expect(await h.core.usage.prune()).toBe(1);
    expect(rowsOf("hour")).toBe(0);
    expect(rowsOf("day")).toBe(10);
    // What is left still answers: the day series for the last 3 years holds every request.
    const login = await h.request("/api/auth/login", { method: "POST", json: { email: u.email, password: u.password } });
    const token = ((await login.json()) as any).data.token; // 90 days on, the first session has expired
    const res = await h.request(`/api/keys/${k.id}/usage?granularity=day&since=${new Date(start - 1001 * DAY).toISOString()}`, { token });
    expect(((await res.json()) as any).data.totals.ok).toBe(12_001);
  });
});
