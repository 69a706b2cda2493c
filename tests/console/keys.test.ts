import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/harness.ts";
import { startServerProcess, type ServerProcess } from "../support/process.ts";
import { chromium } from "../support/tools.ts";
import { cookieFor, expectAccessible, launch, serverOnlyContext, sessionCookie, shoot, type Browser } from "./browser.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Key lifecycle in the console: roll with a grace period, the per-key detail screen, an admin's key settings.
// A real server process (temp data dir, admin from the environment) and a real headless Chromium.
const ADMIN = { email: "keys-admin@example.com", password: "admin password 1" };
const PASSWORD = "correct horse battery";
const SLOW = 120_000;
let browser: Browser;
let server: ServerProcess;
let dataDir: string;
const chrome = chromium();
const describe = chrome.describe;

beforeAll(async () => {
  if (chrome.skip) return;
  dataDir = tempDir();
  // Every test signs up its own person from 127.0.0.1: the sign-up throttle (5 an hour) is off here.
  const env = { ARGUS_DATA_DIR: dataDir, ARGUS_ADMIN_EMAIL: ADMIN.email, ARGUS_ADMIN_PASSWORD: ADMIN.password, ARGUS_SIGNUP_LIMIT_PER_HOUR: "0" };
  [server, browser] = await Promise.all([startServerProcess(env), launch()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (server) expect(await server.stop()).toBe(0);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const json = (method: string, path: string, token: string, body?: unknown) =>
  fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A signed-in browser context for a fresh account (or the admin), and the JWT its cookie holds. */
async function session(who: { email: string; password: string; register?: boolean }) {
  const path = who.register ? "/api/auth/session/register" : "/api/auth/session";
  const token = await sessionCookie(server.url, path, { email: who.email, password: who.password }, who.register ? 201 : 200);
  const ctx = await serverOnlyContext(browser, server.url);
  await ctx.context.addCookies([cookieFor(server.url, token)]);
  return { ...ctx, token };
}
const newUser = () => session({ email: `kim-${crypto.randomUUID().slice(0, 8)}@example.com`, password: PASSWORD, register: true });

const keyRows = () => {
  const db = new Database(join(dataDir, "argus.db"), { readonly: true });
  try {
    return db.query("select id, name, key_prefix, rotated_to, rotated_from, expires_at, revoked_at, revoked_reason from api_keys").all() as {
      id: string; name: string; key_prefix: string; rotated_to: string | null; rotated_from: string | null; expires_at: number | null;
      revoked_at: number | null; revoked_reason: string | null;
    }[];
  } finally {
    db.close();
  }
};

describe("rolling a key in the console", () => {
  test("rolls with a 7-day grace: the new key is shown once, both keys are listed and linked, both work", async () => {
    const { context, blocked, token } = await newUser();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    const created = (await (await json("POST", "/api/keys", token, { name: "Nightly export" })).json()) as any;
    const oldKey = created.data.key as string;
    const page = await context.newPage();
    await page.goto("/");
    const oldRow = page.locator(`tr[data-key-id="${created.data.id}"]`);
    await oldRow.getByRole("button", { name: /^Roll Nightly export/ }).click();

    await page.getByRole("dialog", { name: "Roll “Nightly export”" }).waitFor();
    const dialog = page.getByRole("dialog");
    // Focus moved into the dialog, on its first control.
    expect(await page.evaluate("document.activeElement.closest('dialog') !== null")).toBe(true);
    await expectAccessible(page, "roll dialog");
    await shoot(page, "10-roll-dialog");
    await dialog.getByLabel("7 days").check();
    const rolledAt = Date.now();
    await dialog.getByRole("button", { name: "Roll key" }).click();
    await dialog.getByText("you won't see it again").waitFor();
    expect(await page.getByRole("dialog", { name: "Rolled “Nightly export”" }).count()).toBe(1);
    const newKey = await dialog.getByRole("textbox", { name: "API key" }).inputValue();
    expect(newKey).toMatch(/^argus_/);
    expect(newKey).not.toBe(oldKey);
    await dialog.getByText(/keeps working until/).waitFor();
    await dialog.getByRole("button", { name: "Copy key" }).click();
    await dialog.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(newKey);
    await expectAccessible(page, "rolled key");
    await shoot(page, "11-rolled-key");
    await dialog.getByRole("button", { name: "I have stored it" }).click();
    await dialog.waitFor({ state: "detached" });

    // The list: the old key "Rolled" until its expiry and linked to its successor, which links back.
    const newId = keyRows().find((r) => r.rotated_from === created.data.id)!.id;
    const newRow = page.locator(`tr[data-key-id="${newId}"]`);
    await oldRow.getByText("Rolled").waitFor();
    await oldRow.getByRole("link", { name: `${newKey.slice(0, 8)}…${newKey.slice(-4)}` }).waitFor();
    await newRow.getByRole("link", { name: `${oldKey.slice(0, 8)}…${oldKey.slice(-4)}` }).waitFor();
    await newRow.getByText("Active").waitFor();
    expect(await oldRow.getByRole("button", { name: /^Roll/ }).count()).toBe(0); // its successor is the one to roll
    expect(await page.content()).not.toContain(newKey);
    await expectAccessible(page, "keys after a roll");
    await shoot(page, "12-keys-rolled");
    await page.emulateMedia({ colorScheme: "dark" });
    await expectAccessible(page, "keys after a roll (dark)");
    await page.emulateMedia({ colorScheme: "light" });

    // The database and the API agree: linked both ways, the old one ends 7 days on, the new one never.
    const rows = keyRows();
    const oldDb = rows.find((r) => r.id === created.data.id)!;
    expect(oldDb.rotated_to).toBe(newId);
    expect(oldDb.expires_at! - rolledAt).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(oldDb.expires_at! - rolledAt).toBeLessThan(7 * 86_400_000 + 60_000);
    expect(rows.find((r) => r.id === newId)).toMatchObject({ name: "Nightly export", rotated_from: created.data.id, expires_at: null });
    const listed = ((await (await json("GET", "/api/keys", token)).json()) as any).data as any[];
    expect(listed.map((k) => [k.id, k.rotatedTo, k.rotatedFrom])).toEqual([
      [newId, null, created.data.id],
      [created.data.id, newId, null],
    ]);
    for (const key of [oldKey, newKey]) {
      expect((await fetch(`${server.url}/api/auth/me`, { headers: { "x-api-key": key } })).status).toBe(200);
    }
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);

  test("rolling a key someone else already rolled shows the API's 409 sentence; a zero grace ends the old key at once", async () => {
    const { context, blocked, token } = await newUser();
    const a = ((await (await json("POST", "/api/keys", token, { name: "Stale tab" })).json()) as any).data;
    const page = await context.newPage();
    await page.goto("/");
    const row = page.locator(`tr[data-key-id="${a.id}"]`);
    await row.getByText("Active").waitFor();
    // Another tab rolls it meanwhile; this page still offers "Roll".
    expect((await json("POST", `/api/keys/${a.id}/roll`, token, { gracePeriodSeconds: 3600 })).status).toBe(201);
    await row.getByRole("button", { name: /^Roll Stale tab/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Roll key" }).click();
    await dialog.getByRole("alert").getByText("API key has already been rotated; roll its successor instead").waitFor();
    await expectAccessible(page, "roll refused");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await row.getByText("Rolled").waitFor(); // the refusal refreshed the stale list

    // Roll the successor with no grace: the old key (the successor) is refused as rotated at once.
    const successor = keyRows().find((r) => r.rotated_from === a.id)!;
    const b = ((await (await json("POST", "/api/keys", token, { name: "Zero grace" })).json()) as any).data;
    await page.reload();
    await page.locator(`tr[data-key-id="${b.id}"]`).getByRole("button", { name: /^Roll Zero grace/ }).click();
    await page.getByRole("dialog").getByLabel("None: the old key stops at once").check();
    await page.getByRole("dialog").getByRole("button", { name: "Roll key" }).click();
    await page.getByRole("dialog").getByText(/The old key .* no longer works\./).waitFor();
    // The old key leaves the list at once, but the new key stays on screen until the person says they stored it.
    await page.waitForLoadState("networkidle");
    const bNew = await page.getByRole("dialog").getByRole("textbox", { name: "API key" }).inputValue();
    expect((await fetch(`${server.url}/api/auth/me`, { headers: { "x-api-key": bNew } })).status).toBe(200);
    await page.getByRole("dialog").getByRole("button", { name: "I have stored it" }).click();
    await page.locator(`tr[data-key-id="${b.id}"]`).waitFor({ state: "detached" });
    await page.getByRole("row", { name: /Zero grace/ }).getByText("Active").waitFor();
    const refused = await fetch(`${server.url}/api/auth/me`, { headers: { "x-api-key": b.key } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as any).error).toBe("API key has been rotated");
    expect(successor.rotated_to).toBeNull();
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);
});

describe("the key detail screen", () => {
  test("shows the key's fields; the owner revokes it with a reason and sees it revoked", async () => {
    const { context, blocked, token } = await newUser();
    const admin = await session(ADMIN);
    const k = ((await (await json("POST", "/api/keys", token, {
      name: "Billing sync", meta: { team: "billing", tier: 2 }, allowedIps: ["203.0.113.0/24", "2001:db8::/32"], quota: { limit: 5000, period: "month" },
    })).json()) as any).data;
    await admin.context.close();
    const page = await context.newPage();
    await page.goto("/");
    await page.getByRole("link", { name: /^Billing sync/ }).click();
    await page.getByRole("heading", { name: /Billing sync/, level: 1 }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/keys/${k.id}`);
    const fact = async (term: string) => (await page.locator(`dt:text-is("${term}") + dd`).textContent())!;
    expect(await fact("Key")).toContain(`${k.keyPrefix}…${k.lastFour}`);
    expect(await fact("Status")).toBe("Active");
    expect(await fact("Scopes")).toBe("articles:read");
    expect(await fact("Rate limit")).toBe("the server default");
    expect(await fact("Last used")).toBe("never");
    expect(await fact("Expires")).toBe("never");
    // Read with keys.get: where the quota stands this period (nothing used yet), and when it starts over.
    expect(await fact("Quota")).toContain("5,000 requests a month (UTC): 0 used, 5,000 left; resets ");
    expect(await page.getByRole("meter", { name: "Quota used this period" }).getAttribute("value")).toBe("0");
    expect(await fact("IP allowlist")).toBe("203.0.113.0/242001:db8::/32");
    expect(JSON.parse((await page.locator('dt:text-is("Metadata") + dd pre').textContent())!)).toEqual({ team: "billing", tier: 2 });
    // Owners cannot change limits, quota, allowlist or metadata through the API: read-only here.
    await page.getByText("Only an administrator can change").waitFor();
    expect(await page.getByRole("button", { name: "Save settings" }).count()).toBe(0);
    await expectAccessible(page, "key detail");
    await shoot(page, "13-key-detail");

    await page.getByLabel("Reason (optional)").fill("moved to the new billing host");
    await page.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("button", { name: "Yes, revoke" }).click();
    await page.locator('dt:text-is("Revoked") + dd').getByText("reason: moved to the new billing host").waitFor();
    expect(await fact("Status")).toBe("Revoked");
    const row = keyRows().find((r) => r.id === k.id)!;
    expect(row.revoked_reason).toBe("moved to the new billing host");
    expect(row.revoked_at).not.toBeNull();
    expect((await fetch(`${server.url}/api/auth/me`, { headers: { "x-api-key": k.key } })).status).toBe(401);
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);

  test("an admin sets a key's quota, allowlist and limit from its detail screen; the key carries them", async () => {
    const user = await newUser();
    const k = ((await (await json("POST", "/api/keys", user.token, { name: "Partner feed" })).json()) as any).data;
    await user.context.close();
    const { context, blocked, token } = await session(ADMIN);
    const page = await context.newPage();
    await page.goto("/#/admin/keys");
    await page.getByRole("link", { name: /^Partner feed/ }).click();
    await page.getByRole("heading", { name: /Partner feed/, level: 1 }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/admin/keys/${k.id}`);
    await page.getByLabel("Rate limit per minute").fill("12");
    await page.getByLabel("Quota (requests)").fill("300");
    await page.getByLabel("Quota period").selectOption("day");
    await page.getByLabel("IP allowlist").fill("127.0.0.1\n::1");
    await page.getByLabel("Metadata (JSON object)").fill("{not json");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("alert").getByText("Metadata must be a JSON object").waitFor();
    await page.getByLabel("Metadata (JSON object)").fill('{"partner": "acme"}');
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Saved.").waitFor();
    await page.locator('dt:text-is("Quota") + dd').getByText("300 requests a day (UTC)").waitFor();
    expect(await page.locator('dt:text-is("IP allowlist") + dd').textContent()).toBe("127.0.0.1/32::1/128");
    expect(await page.locator('dt:text-is("Rate limit") + dd').textContent()).toBe("12 requests a minute");
    await expectAccessible(page, "admin key detail");
    await shoot(page, "14-admin-key-detail");

    const used = await fetch(`${server.url}/api/v1/articles/latest?limit=1`, { headers: { "x-api-key": k.key } });
    expect(used.status).toBe(200);
    expect(used.headers.get("x-quota-limit")).toBe("300");
    expect(used.headers.get("x-quota-remaining")).toBe("299");
    expect(used.headers.get("x-ratelimit-limit")).toBe("12");
    const listed = ((await (await json("GET", "/api/admin/api-keys?limit=100", token)).json()) as any).data.find((r: any) => r.id === k.id);
    expect(listed).toMatchObject({ rateLimit: 12, quota: { limit: 300, period: "day" }, allowedIps: ["127.0.0.1/32", "::1/128"], meta: { partner: "acme" } });
    // The admin's usage view (admin.keyUsage) counts that request.
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByRole("table", { name: /Requests in the last 24 hours/ }).getByRole("row", { name: "OK 1" }).waitFor();
    // The key was re-read too (admin.apiKeys.get): its quota counts that request.
    await page.locator('dt:text-is("Quota") + dd').getByText("300 requests a day (UTC): 1 used, 299 left").waitFor();

    // A server-side refusal is shown in the API's words, with the field it names.
    await page.getByLabel("IP allowlist").fill("not-an-address");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("alert").getByText(/CIDR/).waitFor();

    // The admin rolls it from here (admin.apiKeys.roll); the successor carries the settings just made.
    await page.getByRole("button", { name: /^Roll Partner feed/ }).click();
    await page.getByRole("dialog").getByLabel("Custom").check();
    await page.getByRole("dialog").getByLabel("Hours").fill("36");
    const rolledAt = Date.now();
    await page.getByRole("dialog").getByRole("button", { name: "Roll key" }).click();
    const successorKey = await page.getByRole("dialog").getByRole("textbox", { name: "API key" }).inputValue();
    await page.getByRole("dialog").getByRole("button", { name: "I have stored it" }).click();
    const status = page.locator('dt:text-is("Status") + dd');
    await status.getByText("Rolled").waitFor();
    await status.getByRole("link", { name: `${successorKey.slice(0, 8)}…${successorKey.slice(-4)}` }).click();
    await status.getByText(/replaces/).waitFor();
    const successor = keyRows().find((r) => r.rotated_from === k.id)!;
    const ends = keyRows().find((r) => r.id === k.id)!.expires_at! - rolledAt;
    expect(Math.abs(ends - 36 * 3_600_000)).toBeLessThan(60_000);
    expect(new URL(page.url()).hash).toBe(`#/admin/keys/${successor.id}`);
    // The successor carries the quota and what was spent of it this period.
    expect(await page.locator('dt:text-is("Quota") + dd').textContent()).toContain("300 requests a day (UTC): 1 used, 299 left");
    expect(await page.locator('dt:text-is("Owner") + dd').textContent()).toMatch(/^kim-/);
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);

  test("a key reported as leaked shows in the owner's list as revoked, with the reason, when they ask for revoked keys", async () => {
    const { context, blocked, token } = await newUser();
    const k = ((await (await json("POST", "/api/keys", token, { name: "Pasted in a gist" })).json()) as any).data;
    const report = await fetch(`${server.url}/api/keys/report-leak`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key: k.key }),
    });
    expect(report.status).toBe(202);
    const page = await context.newPage();
    await page.goto("/");
    await page.getByText("No keys yet").waitFor();
    await page.getByLabel("Also show revoked keys").check();
    const row = page.locator(`tr[data-key-id="${k.id}"]`);
    await row.getByText("Revoked").waitFor();
    await row.getByText(/: leaked$/).waitFor();
    expect(await row.getByRole("button").count()).toBe(0); // nothing left to roll or revoke
    await row.getByRole("link", { name: /^Pasted in a gist/ }).click();
    await page.locator('dt:text-is("Revoked") + dd').getByText("reason: leaked").waitFor();
    expect(keyRows().find((r) => r.id === k.id)!.revoked_reason).toBe("leaked");
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);

  test("the usage chart shows the requests made with the key, by outcome, over 24 hours and 30 days", async () => {
    const { context, blocked, token } = await newUser();
    const k = ((await (await json("POST", "/api/keys", token, { name: "Charted" })).json()) as any).data;
    const page = await context.newPage();
    const calls: string[] = [];
    page.on("request", (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith("/trpc/")) calls.push(...decodeURIComponent(path.slice(6)).split(","));
    });
    await page.goto(`/#/keys/${k.id}`);
    await page.getByRole("heading", { name: /Charted/, level: 1 }).waitFor();
    // The screen reads the one key (keys.get), never the key list.
    expect(calls).toContain("keys.get");
    expect(calls.filter((c) => c.startsWith("keys.list") || c.startsWith("admin."))).toEqual([]);
    const totals = page.getByRole("table", { name: /Requests in the last 24 hours/ });
    await totals.getByRole("row", { name: "All 0" }).waitFor();
    await page.getByText("No requests with this key in the last 24 hours.").waitFor();

    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${server.url}/api/v1/articles/latest?limit=1`, { headers: { "x-api-key": k.key } })).status).toBe(200);
    }
    // A read-only key may not publish: counted as forbidden.
    const denied = await fetch(`${server.url}/api/v1/articles`, {
      method: "POST", headers: { "x-api-key": k.key, "content-type": "application/json" }, body: JSON.stringify({}),
    });
    expect(denied.status).toBe(403);
    await page.getByRole("button", { name: "Refresh" }).click();
    await totals.getByRole("row", { name: "OK 3" }).waitFor();
    await totals.getByRole("row", { name: "Forbidden 1" }).waitFor();
    await totals.getByRole("row", { name: "All 4" }).waitFor();
    await page.locator('dt:text-is("Last used") + dd').getByText(/\d{4}/).waitFor(); // the key itself was re-read too
    // uPlot drew a canvas with one series per outcome that happened (and OK), and the hour's point holds the counts.
    const chart = page.getByTestId("usage-chart");
    expect(await chart.locator("canvas").count()).toBe(1);
    expect(await chart.locator(".u-legend .u-series .u-label").allTextContents()).toEqual(["Hour", "OK", "Forbidden"]);
    const box = (await chart.locator(".u-over").boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    expect(await chart.locator(".u-legend .u-series .u-value").allTextContents()).toEqual([expect.any(String), "3", "1"]);
    await expectAccessible(page, "key usage");
    await shoot(page, "15-key-usage");

    await page.getByRole("button", { name: "30 days" }).click();
    const month = page.getByRole("table", { name: /Requests in the last 30 days, by outcome \(per day\)/ });
    await month.getByRole("row", { name: "All 4" }).waitFor();
    expect(await page.getByRole("button", { name: "30 days" }).getAttribute("aria-pressed")).toBe("true");

    // Someone else's key, or an id that is no key at all: the same "not found" screen, no error.
    const other = ((await (await json("POST", "/api/keys", (await newUser()).token, { name: "Not yours" })).json()) as any).data;
    for (const id of [other.id, crypto.randomUUID()]) {
      await page.goto(`/#/keys/${id}`);
      await page.getByRole("heading", { name: "Key not found", level: 1 }).waitFor();
      await page.getByText("There is no such key among yours.").waitFor();
      expect(await page.getByText("Not yours").count()).toBe(0);
    }
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);
});
