// Debian's Chromium through playwright-core, with the flags this machine needs (no sandbox as
// root, no background networking: the network is closed), and screenshots into
// test-results/screenshots/, which CI keeps.
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";

export const ROOT = resolve(import.meta.dirname, "..", "..", "..");
const CHROMIUM = process.env.LUCI_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOTS = join(ROOT, "test-results", "screenshots");

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set LUCI_CHROMIUM`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Errors the page throws or logs: a test prints them when it fails. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

/** Leaves a picture of the page when a test fails (name: PREFIX-FAILED-<test name>). */
export async function screenshotIfFailed(
  page: Page | undefined,
  prefix: string,
  context: { task: { name: string; result?: { state?: string } } },
): Promise<void> {
  if (context.task.result?.state === "fail" && page) await screenshot(page, `${prefix}-FAILED-${context.task.name.slice(0, 40).replace(/\W+/g, "-")}`);
}

export interface PageFixture {
  readonly browser: Browser;
  readonly page: Page;
  /** What the page has thrown or logged as an error so far (collectPageErrors). */
  readonly errors: string[];
  /** A full-page picture of the page, test-results/screenshots/NAME.png; resolves with its path. */
  screenshot(name: string): Promise<string>;
}

/**
 * Chromium with one page for the tests of a file, which every page test needs alike: launched
 * before them, closed after them; when a test fails, the page's errors are printed and a picture
 * of the page is kept (test-results/screenshots/PREFIX-FAILED-<test name>.png). Call it at the
 * top level of the test file; the page is there from its beforeAll on (`permissions`: what the
 * page's context may use, e.g. the clipboard).
 */
export function usePage(prefix: string, viewport: { width: number; height: number }, permissions: string[] = []): PageFixture {
  let open: { browser: Browser; page: Page; errors: string[] } | undefined;
  const opened = () => {
    if (!open) throw new Error("the page is not open yet: usePage opens it in beforeAll");
    return open;
  };
  beforeAll(async () => {
    const browser = await launchBrowser();
    const page = await (await browser.newContext({ viewport, permissions })).newPage();
    open = { browser, page, errors: collectPageErrors(page) };
  });
  afterEach(async (context) => {
    if (context.task.result?.state === "fail" && open?.errors.length) console.log(`page errors:\n${open.errors.join("\n")}`);
    await screenshotIfFailed(open?.page, prefix, context);
  });
  afterAll(async () => {
    await open?.browser.close();
  });
  return {
    get browser() {
      return opened().browser;
    },
    get page() {
      return opened().page;
    },
    get errors() {
      return opened().errors;
    },
    screenshot: (name) => screenshot(opened().page, name),
  };
}
