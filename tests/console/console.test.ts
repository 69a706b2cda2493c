import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { rmSync } from "node:fs";
import { tempDir } from "../support/harness.ts";
import { cleanEnv, startServerProcess, type ServerProcess } from "../support/process.ts";
import { chromium } from "../support/tools.ts";
import { cookieFor, expectAccessible, launch, serverOnlyContext, sessionCookie, shoot, type Browser, type Page } from "./browser.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The console in a real headless Chromium against a real server process (temp data dir, demo articles). The server
// starts with no admin: the first-run test creates one with the CLI as the console tells it to; ensureAdmin() makes
// the others independent of that test (e.g. under -t).
const ADMIN = { email: "root@example.com", password: "admin password 1" };
const PASSWORD = "correct horse battery";
let browser: Browser;
let server: ServerProcess;
let dataDir: string;
const chrome = chromium();
const describe = chrome.describe;

beforeAll(async () => {
  if (chrome.skip) return;
  dataDir = tempDir();
  const env = { ARGUS_DATA_DIR: dataDir };
  const seed = Bun.spawnSync(["bun", "server/main.ts", "seed", "--demo"], { env: cleanEnv({ ...env, ARGUS_LOG_LEVEL: "warn" }) });
  if (seed.exitCode !== 0) throw new Error(`seed failed: ${seed.stderr}`);
  [server, browser] = await Promise.all([startServerProcess(env), launch()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (server) expect(await server.stop()).toBe(0);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// Generous: on a shared 2-core box under other suites' load a browser journey can take tens of seconds.
const SLOW = 120_000;

const api = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { headers });

/** Runs the command the first-run screen shows (with the password on stdin) once; later calls do nothing. */
async function ensureAdmin(command?: string) {
  const status = (await (await api("/api/auth/status")).json()) as any;
  if (!status.data.setupRequired) return;
  command ??= status.data.setupCommand as string;
  const [assign, ...rest] = command.replace("you@example.com", ADMIN.email).split(" ");
  const argv = rest.join(" ").replace(/^bun run argus/, "bun server/main.ts").split(" ");
  const [name, value] = assign!.split("=");
  const run = Bun.spawnSync([...argv, "--password-stdin"], {
    env: cleanEnv({ [name!]: value!, ARGUS_LOG_LEVEL: "warn" }),
    stdin: new TextEncoder().encode(ADMIN.password),
  });
  if (run.exitCode !== 0) throw new Error(`creating the admin failed: ${run.stderr}`);
}

let adminLogin: { token: string; cookie: string } | undefined;
/** The admin, signed in once through the cookie route (the sign-in form itself is covered by the key test). */
async function adminContext() {
  await ensureAdmin();
  if (!adminLogin) {
    const cookie = await sessionCookie(server.url, "/api/auth/session", ADMIN, 200);
    adminLogin = { cookie, token: cookie }; // the cookie holds the very JWT, usable as a bearer token too
  }
  const ctx = await serverOnlyContext(browser, server.url);
  await ctx.context.addCookies([cookieFor(server.url, adminLogin.cookie)]);
  return { ...ctx, token: adminLogin.token };
}

/** A signed-in context without going through the form (the form itself is covered by the journeys). */
async function cookieSession(email: string) {
  return cookieFor(server.url, await sessionCookie(server.url, "/api/auth/session/register", { email, password: PASSWORD }, 201));
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "API keys" }).waitFor();
}

async function register(page: Page, email: string) {
  await page.goto("/");
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "API keys" }).waitFor();
}

async function createKey(page: Page, name: string) {
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByText("you won't see it again").waitFor();
  return page.getByRole("textbox", { name: "API key" }).inputValue();
}

describe("first run", () => {
  test("while no admin exists the console shows the exact command; running it leads to sign-in", async () => {
    const { context, blocked } = await serverOnlyContext(browser, server.url);
    const page = await context.newPage();
    await page.goto("/");
    await page.getByRole("heading", { name: "Create the first admin" }).waitFor();
    const command = (await page.locator("pre code").textContent())!;
    expect(command).toBe(`ARGUS_DATA_DIR=${dataDir} bun run argus users create --email you@example.com --admin`);
    await expectAccessible(page, "first run");
    await shoot(page, "00-first-run");
    await ensureAdmin(command);
    await page.getByRole("button", { name: "I have created it: sign in" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);
});

describe("a person's session in the console", () => {
  test("signs up, creates a key, sees it once and copies it, uses it, revokes it, and the key is refused", async () => {
    await ensureAdmin(); // else the console opens on the first-run screen
    const { context, blocked } = await serverOnlyContext(browser, server.url);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    const page = await context.newPage();
    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await expectAccessible(page, "sign in");
    await shoot(page, "01-sign-in");
    await page.getByRole("button", { name: "Create an account" }).click();
    await expectAccessible(page, "register");
    await shoot(page, "02-register");

    const email = `ada-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await register(page, email);
    // The session is a cookie page script cannot read.
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === "argus_session")).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(await page.evaluate("document.cookie")).toBe("");
    await page.getByText("No keys yet").waitFor();
    await expectAccessible(page, "keys (empty)");

    const key = await createKey(page, "CI integration");
    expect(key).toMatch(/^argus_/);
    await page.getByRole("button", { name: "Copy key" }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(key);
    await expectAccessible(page, "new key");
    await shoot(page, "03-new-key");

    // Shown once: after "I have stored it" and a reload, only prefix…last four remain.
    await page.getByRole("button", { name: "I have stored it" }).click();
    await page.reload();
    const row = page.getByRole("row", { name: /CI integration/ });
    await row.getByText(`${key.slice(0, 8)}…${key.slice(-4)}`).waitFor();
    expect(await page.content()).not.toContain(key);

    const used = await api("/api/v1/articles/latest?limit=1", { "x-api-key": key });
    expect(used.status).toBe(200);
    await page.reload();
    await row.getByText("Active").waitFor();
    await expectAccessible(page, "keys");
    await shoot(page, "04-keys");
    await page.emulateMedia({ colorScheme: "dark" });
    await expectAccessible(page, "keys (dark)");
    await shoot(page, "04-keys-dark");
    await page.emulateMedia({ colorScheme: "light" });

    // By keyboard: the confirmation takes focus, Enter confirms.
    await row.getByRole("button", { name: "Revoke" }).focus();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("button", { name: "Yes, revoke" }).evaluate((b) => b === b.ownerDocument.activeElement)).resolves.toBe(true);
    await page.keyboard.press("Enter");
    await page.getByText("No keys yet").waitFor();
    const refused = await api("/api/v1/articles/latest", { "x-api-key": key });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as any).error).toBe("API key has been revoked");

    await page.goto("/#/account");
    await page.getByRole("heading", { name: "Change password" }).waitFor();
    await expectAccessible(page, "account");
    await shoot(page, "05-account");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect((await context.cookies()).some((c) => c.name === "argus_session")).toBe(false);
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);
});

describe("the account screen", () => {
  test("changes the password and stays signed in on a fresh cookie; log out everywhere (and revoke keys) signs this browser out", async () => {
    await ensureAdmin(); // else the console opens on the first-run screen
    const email = `cat-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const { context, blocked } = await serverOnlyContext(browser, server.url);
    await context.addCookies([await cookieSession(email)]);
    const before = (await context.cookies()).find((c) => c.name === "argus_session")!.value;
    const page = await context.newPage();
    await page.goto("/#/account");
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password").fill("a brand new password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("alert").getByText("Current password is incorrect").waitFor();
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password").fill("a brand new password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Password changed.").waitFor();
    const after = (await context.cookies()).find((c) => c.name === "argus_session")!.value;
    expect(after).not.toBe(before);
    await page.reload();
    await page.getByRole("heading", { name: "Account" }).waitFor();

    const minted = await fetch(`${server.url}/api/keys`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${after}` }, body: JSON.stringify({ name: "leaked?" }),
    });
    const { key } = ((await minted.json()) as any).data;
    await page.getByLabel("Also revoke all my API keys", { exact: true }).check();
    await page.getByRole("button", { name: "Log out everywhere" }).click();
    await page.getByRole("button", { name: "Yes, log out everywhere" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    // The JWT that cookie held is dead server-side too, not only forgotten by this browser.
    expect((await api("/api/auth/me", { authorization: `Bearer ${after}` })).status).toBe(401);
    expect((await api("/api/auth/me", { "x-api-key": key })).status).toBe(401);
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);
});

describe("administration in the console", () => {
  test("an admin re-limits and deactivates a user's key; the user sees it deactivated and the key is refused", async () => {
    await ensureAdmin();
    const user = await serverOnlyContext(browser, server.url);
    await user.context.addCookies([await cookieSession(`bo-${crypto.randomUUID().slice(0, 8)}@example.com`)]);
    const userPage = await user.context.newPage();
    await userPage.goto("/");
    const keyName = `Bo's reader ${crypto.randomUUID().slice(0, 4)}`;
    const key = await createKey(userPage, keyName);
    await userPage.getByRole("button", { name: "I have stored it" }).click();

    const admin = await serverOnlyContext(browser, server.url);
    const adminPage = await admin.context.newPage();
    await signIn(adminPage, ADMIN.email, ADMIN.password);
    await adminPage.getByRole("link", { name: "All keys" }).click();
    const row = adminPage.getByRole("row", { name: new RegExp(keyName) });
    // Re-limit: the key's own limit applies on its next request.
    await row.getByRole("spinbutton", { name: /Limit per minute/ }).fill("7");
    await row.getByRole("button", { name: /Set limit/ }).click();
    await row.getByText("7/min").waitFor();
    const limited = await api("/api/v1/articles/latest?limit=1", { "x-api-key": key });
    expect(limited.status).toBe(200);
    expect(limited.headers.get("x-ratelimit-limit")).toBe("7");
    await row.getByRole("button", { name: "Deactivate" }).click();
    await row.getByText("Deactivated").waitFor();
    await expectAccessible(adminPage, "admin keys");
    await shoot(adminPage, "07-admin-keys");

    await userPage.reload();
    await userPage.getByRole("row", { name: new RegExp(keyName) }).getByText("Deactivated").waitFor();
    const refused = await api("/api/v1/articles/latest", { "x-api-key": key });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as any).error).toBe("API key is deactivated");
    expect([...user.blocked, ...admin.blocked]).toEqual([]);
    await Promise.all([user.context.close(), admin.context.close()]);
  }, SLOW);

  test("the users screen explains the last-admin rule and shows the API's refusal in its words", async () => {
    const { context, blocked } = await adminContext();
    const page = await context.newPage();
    await page.goto("/#/admin/users");
    await page.getByText(/last one cannot be demoted or deactivated/).waitFor();
    await page.getByRole("row", { name: new RegExp(ADMIN.email) }).waitFor();
    await expectAccessible(page, "admin users");
    await shoot(page, "06-admin-users");
    await page.getByRole("row", { name: new RegExp(ADMIN.email) }).getByRole("button", { name: /Deactivate/ }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toMatch(/admin/i);
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);

  test("filters: users narrow by status and role as they are chosen; the feed's search applies on submit and Clear brings the feed back", async () => {
    const email = `cy-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await cookieSession(email);
    const { context, blocked } = await adminContext();
    const page = await context.newPage();
    await page.goto("/#/admin/users");
    const user = page.getByRole("row", { name: new RegExp(email) });
    const admin = page.getByRole("row", { name: new RegExp(ADMIN.email) });
    const filters = page.getByRole("form", { name: "Filter users" });
    await user.getByRole("button", { name: /Deactivate/ }).click();
    await user.getByRole("button", { name: /Reactivate/ }).waitFor();
    await filters.getByLabel("Status").selectOption("false");
    await user.waitFor();
    expect(await admin.count()).toBe(0);
    await filters.getByLabel("Status").selectOption("true");
    await filters.getByLabel("Role").selectOption("admin");
    await admin.waitFor();
    expect(await user.count()).toBe(0);
    const roles = await page.locator("td[data-label=Role] select").evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(new Set(roles)).toEqual(new Set(["admin"]));

    await page.goto("/#/articles");
    const items = page.locator("ol.feed li");
    await items.first().waitFor();
    await page.getByLabel("Search", { exact: true }).fill("zqxjv");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByText("No article matches. Loosen the filters.").waitFor();
    await page.getByRole("button", { name: "Clear" }).click();
    await items.first().waitFor();
    expect(await page.getByLabel("Search", { exact: true }).inputValue()).toBe("");
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);

  test("the feed loads more by cursor, opens an article, and an admin deletes it", async () => {
    const { context, blocked, token } = await adminContext();
    const page = await context.newPage();
    await page.goto("/#/articles");
    await page.locator("ol.feed li").first().waitFor();
    expect(await page.locator("ol.feed li").count()).toBe(20);
    // Infinite scroll: reaching the end of the list loads the next page by itself, no click.
    await page.locator("p.more").scrollIntoViewIfNeeded();
    await page.locator("ol.feed li").nth(20).waitFor();
    // The button stays, for the keyboard: it loads the page after.
    const shown = await page.locator("ol.feed li").count();
    await page.getByRole("button", { name: "Load more articles" }).click();
    await page.locator("ol.feed li").nth(shown).waitFor();
    await expectAccessible(page, "articles");
    await shoot(page, "08-articles");
    await page.locator("ol.feed li h2 a").first().click();
    await page.getByRole("button", { name: "Delete article" }).waitFor();
    const articleId = decodeURIComponent(new URL(page.url()).hash.split("/")[2]!);
    await expectAccessible(page, "article");
    await shoot(page, "09-article");
    await page.getByRole("button", { name: "Delete article" }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await page.getByRole("heading", { name: "Articles" }).waitFor();
    await page.locator("ol.feed li").first().waitFor();
    expect(await page.locator(`a[href="#/articles/${encodeURIComponent(articleId)}"]`).count()).toBe(0);
    expect((await api(`/api/v1/articles/${articleId}`, { authorization: `Bearer ${token}` })).status).toBe(404);
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);
});

describe("the console's defences", () => {
  test("a cross-origin form post riding the session cookie is refused 403 and creates nothing", async () => {
    const context = await browser.newContext({ baseURL: server.url });
    await context.addCookies([await cookieSession(`cy-${crypto.randomUUID().slice(0, 8)}@example.com`)]);
    const page = await context.newPage();
    // Another origin on the same host (same site, so the SameSite=Strict cookie is sent): only the Origin check stops it.
    const evil = Bun.serve({
      port: 0, hostname: "127.0.0.1",
      fetch: () => new Response(
        `<form method="post" action="${server.url}/api/keys" enctype="text/plain"><input name='{"name":"evil","x":"' value='"}'></form>` +
          `<script>document.forms[0].submit()</script>`,
        { headers: { "content-type": "text/html" } },
      ),
    });
    try {
      const answer = page.waitForResponse((r) => r.url() === `${server.url}/api/keys`);
      await page.goto(`http://127.0.0.1:${evil.port}/`);
      const res = await answer;
      expect(res.status()).toBe(403);
      expect(await res.json()).toEqual({ success: false, error: "Cross-origin request refused", code: "FORBIDDEN" });
      await page.goto(`${server.url}/`);
      await page.getByText("No keys yet").waitFor();
    } finally {
      evil.stop(true);
      await context.close();
    }
  }, SLOW);

  test("a throttled sign-in shows the API's sentence and counts down to when to retry", async () => {
    await ensureAdmin(); // else the console opens on the first-run screen
    const email = `throttled-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const fail = () => fetch(`${server.url}/api/auth/login`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: "wrong password" }),
    });
    for (let i = 0; i < 10; i++) expect((await fail()).status).toBe(401);
    const { context } = await serverOnlyContext(browser, server.url);
    const page = await context.newPage();
    await page.goto("/");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.getByText("Too many failed login attempts, try again later").waitFor();
    expect(await alert.getByText(/You can retry in \d+ s\./).count()).toBe(1);
    await context.close();
  }, SLOW);

  test("loads with every non-server request blocked, and its CSP refuses inline script", async () => {
    await ensureAdmin(); // else the console opens on the first-run screen
    const { context, blocked } = await serverOnlyContext(browser, server.url);
    const page = await context.newPage();
    const res = await page.goto("/");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(res!.status()).toBe(200);
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    await page.addScriptTag({ content: "window.__injected = true" }).catch(() => {});
    expect(await page.evaluate("window.__injected === true")).toBe(false);
    for (const link of ["/api/docs", "/api/openapi.json", "/api/health"]) {
      expect(await page.locator(`footer a[href="${link}"]`).count()).toBe(1);
    }
    expect(blocked).toEqual([]);
    await context.close();
  }, SLOW);
});
