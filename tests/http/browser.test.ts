import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { startServer, type Server } from "../cli/run.ts";
import { tempDir } from "../support/harness.ts";
import { chromium } from "../support/tools.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The pages as a person sees them: Debian's Chromium, headless, against a real `argus serve`, with every request
// that leaves this machine refused, as if offline. .ci/run installs chromium; never a downloaded browser.
// What the page functions below touch in the browser (the repo's types are Bun's, not the DOM's).
declare const document: { body: { innerText: string } };
declare function getComputedStyle(element: unknown): { maxWidth: string };

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];
const LOCAL = new Set(["127.0.0.1", "localhost", "[::1]"]);

const root = tempDir();
let server: Server;
let browser: Browser;

const chrome = chromium();

beforeAll(async () => {
  if (chrome.skip) return;
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  server = await startServer(join(root, "data"));
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Opens `path` with remote requests aborted; what was refused, CSP reports and page errors are collected. */
async function open(path: string) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 }); // wide enough for the reference's sidebar
  const seen = { remote: [] as string[], csp: [] as string[], errors: [] as string[] };
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (url.protocol === "data:" || url.protocol === "blob:" || LOCAL.has(url.hostname)) return void req.continue();
    seen.remote.push(req.url());
    void req.abort("internetdisconnected");
  });
  page.on("console", (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) seen.csp.push(m.text());
  });
  page.on("pageerror", (e) => seen.errors.push(e instanceof Error ? e.message : String(e)));
  const res = await page.goto(server.url + path, { waitUntil: "load", timeout: 60_000 });
  return { page, res, seen };
}

const text = (page: Page) => page.evaluate(() => document.body.innerText);

chrome.describe("in headless Chromium, offline", () => {
  test("/ (the console) renders with the links to the reference, the OpenAPI document and health, with no CSP report", async () => {
    const { page, res, seen } = await open("/");
    expect(res?.status()).toBe(200);
    await page.waitForSelector('a[href="/api/docs"]', { timeout: 60_000 });
    const hrefs = await page.$$eval("a", (as) => as.map((a) => a.getAttribute("href")));
    for (const href of ["/api/docs", "/api/openapi.json", "/api/health"]) expect(hrefs).toContain(href);
    expect(seen).toEqual({ remote: [], csp: [], errors: [] });
    await page.close();
  }, 90_000);

  test("/api/docs renders the reference with its operations, from this server alone", async () => {
    const { page, res, seen } = await open("/api/docs");
    expect(res?.status()).toBe(200);
    await page.waitForFunction(() => document.body.innerText.includes("The newest articles"), { timeout: 90_000 });
    const shown = await text(page);
    for (const summary of ["Create an API key (shown once)", "Exchange email and password for a 7-day JWT", "One article", "Liveness, no auth"]) {
      expect(shown).toContain(summary);
    }
    await page.screenshot({ path: join(root, "docs.png") });
    expect(seen).toEqual({ remote: [], csp: [], errors: [] });
    await page.close();
  }, 120_000);
});
