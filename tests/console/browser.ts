import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "bun:test";

// Debian's chromium, driven by playwright-core; no browser is ever downloaded.
export const CHROMIUM = process.env.ARGUS_CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

export const launch = () => chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });

export const SCREENSHOTS = join(import.meta.dir, "../../.screenshots");

/**
 * A context that may talk to the server only: every other request is aborted and recorded, so a test can
 * assert the console never reaches outside (no CDN, fonts or telemetry).
 */
export async function serverOnlyContext(browser: Browser, base: string, opts: { width?: number } = {}) {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, baseURL: base });
  const origin = new URL(base).origin;
  const blocked: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort("blockedbyclient");
  });
  return { context, blocked };
}

/**
 * A session from the console's cookie route (`/api/auth/session` or `/api/auth/session/register`), as the console
 * gets one: the cookie's value, which is the JWT itself (usable as a bearer token too). `status` is the answer
 * expected; without it, any 2xx.
 */
export async function sessionCookie(base: string, path: string, credentials: { email: string; password: string }, status?: number) {
  const res = await fetch(base + path, {
    method: "POST", headers: { "content-type": "application/json", origin: base }, body: JSON.stringify(credentials),
  });
  if (status === undefined) expect(res.status).toBeLessThan(300);
  else expect(res.status).toBe(status);
  return res.headers.get("set-cookie")!.match(/argus_session=([^;]+)/)![1]!;
}

/** That cookie as a browser context takes it. */
export const cookieFor = (base: string, value: string) =>
  ({ name: "argus_session", value, url: base, httpOnly: true, sameSite: "Strict" as const });

/** A screenshot at desktop and phone widths, into .screenshots/ (gitignored). */
export async function shoot(page: Page, name: string) {
  const t0 = performance.now();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize()!;
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    // Works at this width: nothing forces the page to scroll sideways.
    expect({ name, width, scrollWidth: await page.evaluate("document.documentElement.scrollWidth") }).toEqual({ name, width, scrollWidth: width });
  }
  await page.setViewportSize(before);
  if (process.env.CONSOLE_TIMING) console.log("shot", name, Math.round(performance.now() - t0));
}

const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe-core in the page (through the debugger, so the page's CSP stays on); fails on serious or critical findings. */
export async function expectAccessible(page: Page, screen: string) {
  const t0 = performance.now();
  // Injected once per document: hash navigation keeps it, a reload or new page needs it again.
  if (!(await page.evaluate("typeof axe !== 'undefined'"))) await page.evaluate(`${AXE};0`);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ["violations"] }).then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3) })))`)) as {
    id: string; impact: string; help: string; nodes: string[];
  }[];
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (process.env.CONSOLE_TIMING) console.log("axe", screen, Math.round(performance.now() - t0));
  expect({ screen, violations: bad }).toEqual({ screen, violations: [] });
}

export type { Browser, BrowserContext, Page };
