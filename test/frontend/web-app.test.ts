// A web-app task on Luci's own page (luci serve, Chromium, the fake model server): the cell ends
// with the app's link and a live frame of it, served through the server's proxy on the page's
// origin (the frame carries no token: the page's API calls gave it the apps' cookie), and the
// app's own link works inside the frame. Screenshots go to test-results/screenshots/.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { answer } from "../support/fake-model-server.js";
import { DASHBOARD } from "../kernel/apps/web-app-support.js";
import { launchBrowser, screenshot, screenshotIfFailed } from "./support/browser.js";
import { startPageServer, type PageServer } from "./support/page-server.js";

let served: PageServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  served = await startPageServer();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 60_000);

afterEach(async (context) => {
  await screenshotIfFailed(page, "web-app", context);
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

describe("a web app on the page", () => {
  it("shows the app's link and a live frame of it through the server's proxy; its own links work in the frame", async () => {
    served.model.enqueue(answer({ code: DASHBOARD }));
    await page.goto(served.server.url);
    await page.click(".new-notebook");
    await page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    await page.click('.tool[data-action="add-task"]');
    const cell = page.locator(".notebook > .cell.cell-selected");
    await page.keyboard.type("Show a sales dashboard as a web page");
    await page.keyboard.press("Control+Enter");

    const link = cell.locator(".luci-app a");
    await link.waitFor({ timeout: 60_000 });
    const href = await link.getAttribute("href");
    expect(href).toMatch(/^\/luci\/apps\/[0-9a-f-]+\/1\/$/);
    const frame = page.frameLocator(".luci-app-frame");
    await frame.locator("h1", { hasText: "Sales dashboard" }).waitFor({ timeout: 30_000 });
    await screenshot(page, "web-app-01-frame");
    // The app's link to /data, mended for the prefix, answers inside the frame (cookie, no token).
    await frame.locator("a", { hasText: "data" }).click();
    await frame.locator("body", { hasText: '{"total": 42}' }).waitFor({ timeout: 30_000 });
  });
});
