import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { rmSync } from "node:fs";
import { tempDir } from "../support/harness.ts";
import { cleanEnv, startServerProcess, type ServerProcess } from "../support/process.ts";
import { chromium } from "../support/tools.ts";
import { cookieFor, expectAccessible, launch, serverOnlyContext, sessionCookie, shoot, type Browser, type Page } from "./browser.ts";

setDefaultTimeout(60_000);

// The audit log in the console, in headless Chromium against a real server process: the admin's "Audit log" screen
// and each user's "Recent security events" on the Account screen.
const ADMIN = { email: "auditor@example.com", password: "admin password 1" };
const PASSWORD = "correct horse battery";
const SLOW = 120_000;
let browser: Browser;
let server: ServerProcess;
let dataDir: string;
const chrome = chromium();

beforeAll(async () => {
  if (chrome.skip) return;
  dataDir = tempDir();
  const made = Bun.spawnSync(["bun", "server/main.ts", "users", "create", "--email", ADMIN.email, "--admin", "--password-stdin"], {
    env: cleanEnv({ ARGUS_DATA_DIR: dataDir, ARGUS_LOG_LEVEL: "warn" }),
    stdin: new TextEncoder().encode(ADMIN.password),
  });
  if (made.exitCode !== 0) throw new Error(`creating the admin failed: ${made.stderr}`);
  [server, browser] = await Promise.all([startServerProcess({ ARGUS_DATA_DIR: dataDir, ARGUS_SIGNUP_LIMIT_PER_HOUR: "0" }), launch()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (server) expect(await server.stop()).toBe(0);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A session cookie (its value is the JWT, usable as a bearer token too) from the cookie route, as the console gets one. */
const session = (path: "/api/auth/session" | "/api/auth/session/register", email: string, password: string) =>
  sessionCookie(server.url, path, { email, password });

const call = async (method: string, path: string, token: string | null, body?: unknown) => {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return (await res.json()) as any;
};

/** Waits until the table has more than `n` rows, or exactly `n` (the predicate runs in the page). */
const waitForRows = (page: Page, how: "more" | "exactly", n: number) =>
  page.waitForFunction(
    ([how, n]) => {
      const count: number = (globalThis as any).document.querySelectorAll("table tbody tr").length;
      return how === "more" ? count > n : count === n;
    },
    [how, n] as const,
  );

const contextWith = async (token: string) => {
  const ctx = await serverOnlyContext(browser, server.url);
  await ctx.context.addCookies([cookieFor(server.url, token)]);
  return ctx;
};

chrome.describe("the audit log in the console", () => {
  test("an admin finds who revoked a key: filters by action, narrows to the key, loads more by cursor", async () => {
    const email = `kim-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const user = await session("/api/auth/session/register", email, PASSWORD);
    const userId = (await call("GET", "/api/auth/me", user)).data.id;
    const key = (await call("POST", "/api/keys", user, { name: "nightly export" })).data;
    expect((await call("DELETE", `/api/keys/${key.id}`, user, { reason: "contractor left" })).success).toBe(true);
    // Enough events for more than one page of 25.
    for (let i = 0; i < 26; i++) expect((await call("POST", "/api/keys", user, { name: `batch ${i}` })).success).toBe(true);

    const admin = await session("/api/auth/session", ADMIN.email, ADMIN.password);
    const { context, blocked } = await contextWith(admin);
    const page = await context.newPage();
    await page.goto("/#/admin/audit");
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    const rows = page.locator("table tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(25);
    await page.getByRole("button", { name: "Load more events" }).click();
    await waitForRows(page, "more", 25);
    await expectAccessible(page, "audit log");
    await shoot(page, "20-admin-audit");

    await page.getByLabel("Action").selectOption("key.revoke");
    await page.getByRole("button", { name: "Filter" }).click();
    await waitForRows(page, "exactly", 1);
    const revoke = rows.first();
    await expect(revoke.textContent()).resolves.toContain("key.revoke");
    await expect(revoke.textContent()).resolves.toContain("reason: contractor left");
    await expect(revoke.textContent()).resolves.toContain("127.0.0.1");
    await expect(revoke.textContent()).resolves.toContain(key.id);

    // Narrow to the key: its creation and its revocation, nothing else.
    await page.getByLabel("Action").selectOption("");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByRole("button", { name: `key ${key.id}` }).first().click();
    await waitForRows(page, "exactly", 2);
    expect(await page.getByLabel("Target id").inputValue()).toBe(key.id);
    const actions = await rows.locator("td[data-label=Action] code").allTextContents();
    expect(actions).toEqual(["key.revoke", "key.create"]);

    // From the users screen: one account's activity, whoever acted.
    await page.goto("/#/admin/users");
    await page.getByRole("link", { name: `Activity of ${email}` }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    expect(await page.getByLabel("Account id").inputValue()).toBe(userId);
    await waitForRows(page, "exactly", 25);
    await page.getByRole("button", { name: "Load more events" }).click();
    await waitForRows(page, "exactly", 29); // the sign-up, 27 key creations and a revocation
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);

  test("a user sees a failed sign-in and a leak report among their recent security events, not other people's", async () => {
    const email = `lea-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const user = await session("/api/auth/session/register", email, PASSWORD);
    const key = (await call("POST", "/api/keys", user, { name: "pasted in a gist" })).data;
    expect((await call("POST", "/api/auth/login", null, { email, password: "someone guessing" })).code).toBe("UNAUTHORIZED");
    expect((await call("POST", "/api/keys/report-leak", null, { key: key.key })).success).toBe(true);
    // Someone else's account has its own events, which must not show here.
    const other = await session("/api/auth/session/register", `max-${crypto.randomUUID().slice(0, 8)}@example.com`, PASSWORD);
    await call("POST", "/api/keys", other, { name: "max's key" });

    const { context, blocked } = await contextWith(user);
    const page = await context.newPage();
    await page.goto("/#/account");
    const events = page.getByRole("region", { name: "Recent security events" });
    await events.getByText("API key reported as leaked and revoked").waitFor();
    const items = await events.locator("li").allTextContents();
    expect(items).toHaveLength(4);
    expect(items[0]).toContain("by someone not signed in");
    expect(items[0]).toContain("name: pasted in a gist, reason: leaked");
    expect(items[1]).toContain("Failed sign-in");
    expect(items[1]).toContain("from 127.0.0.1");
    expect(items[2]).toContain("API key created");
    expect(items[2]).toContain("by you");
    expect(items[3]).toContain("Signed up");
    expect(items.join("\n")).not.toContain("max's key");
    await expectAccessible(page, "account with security events");
    await shoot(page, "21-account-security-events");
    // Not an admin: no audit log in the menu, and its route is not there.
    expect(await page.getByRole("link", { name: "Audit log" }).count()).toBe(0);
    await page.goto("/#/admin/audit");
    await page.getByRole("heading", { name: "Not found" }).waitFor();
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);
});
