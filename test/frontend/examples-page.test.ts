// The shipped loan example on the page, as someone other than its maker sees it (a trust folder
// of their own): opened, the task shows the plan, code, validation, result and record it was
// shipped with; run, the code is shown and not run, with the banner and its trust button; trusted,
// the recorded code runs with no model call. Screenshots examples-*.
import { cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../server/index.js";
import { startFakeModelServer, type FakeModelServer } from "../support/fake-model-server.js";
import { collectPageErrors, launchBrowser, ROOT, screenshot, screenshotIfFailed } from "./support/browser.js";
import { luciKernelEnv } from "./support/page-server.js";

const PAYMENT = "1342.05"; // 250000 at 5% a year for 30 years, as shipped
const TASK_CELL = 2;

let server: RunningServer;
let model: FakeModelServer;
let browser: Browser;
let page: Page;
let errors: string[];
const cell = (i: number) => page.locator(".notebook > .cell").nth(i);

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "frontend", "main.js"))) throw new Error("dist/frontend is not built: run npm run build (or npm run build:frontend)");
  const base = mkdtempSync(join(tmpdir(), "luci-examples-page-"));
  const root = join(base, "notebooks");
  cpSync(join(ROOT, "notebooks"), root, { recursive: true }); // outputs and records as shipped
  model = await startFakeModelServer(); // nothing is queued: a model call would fail the cell
  server = await startServer({ root, port: 0, token: "examples-test-token", kernelEnv: luciKernelEnv(base, model) });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  errors = collectPageErrors(page);
}, 60_000);

afterEach(async (context) => {
  await screenshotIfFailed(page, "examples", context);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await model?.close();
});

describe("the shipped loan example, opened by someone else", () => {
  it("shows what the task gave: plan, code, validation, result and record", async () => {
    await page.goto(server.url);
    await page.click('.file-item[data-path="loan-payment.ipynb"]');
    await page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    const task = cell(TASK_CELL);
    expect(await task.getAttribute("data-kind")).toBe("task");
    expect(await task.locator(".luci-plan").innerText()).toMatch(/monthly payment/i);
    expect(await task.locator(".luci-code code").innerText()).toContain("rate / 12");
    expect(await task.locator(".luci-validation").innerText()).toMatch(/passed/i);
    expect(await task.locator(".output-stream").innerText()).toContain(PAYMENT);
    expect(await task.locator(".luci-record").count()).toBe(1);
    expect(
      await cell(TASK_CELL + 1)
        .locator('.output-image img[src^="data:image/png"]')
        .count(),
    ).toBe(1);
    await screenshot(page, "examples-01-opened");
  });

  it("run, shows the code and does not run it, with a banner that offers to trust the notebook", async () => {
    const task = cell(TASK_CELL);
    await task.locator(".cell-editor").click();
    await page.keyboard.press("Control+Enter");
    await task.locator(".output-not-trusted").waitFor({ timeout: 30_000 });
    expect(await task.locator(".output-not-trusted").innerText()).toMatch(/not by you.*luci trust/s);
    expect(await task.locator(".luci-code code").innerText()).toContain("rate / 12");
    expect(await task.locator(".output-stream").count()).toBe(0);
    const banner = page.locator(".trust-banner");
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/recorded by someone else/);
    expect(await banner.locator(".trust-button").isVisible()).toBe(true);
    expect(model.chatRequests).toHaveLength(0);
    await screenshot(page, "examples-02-not-trusted");
  });

  it("trusted, reruns the recorded code with no model call", async () => {
    const task = cell(TASK_CELL);
    await page.locator(".trust-banner .trust-button").click();
    await task.locator(".output-stream", { hasText: PAYMENT }).waitFor({ timeout: 30_000 });
    expect(await task.locator(".output-not-trusted").count()).toBe(0);
    expect(await page.locator(".trust-banner").getAttribute("class")).toContain("banner-ok");
    expect(model.chatRequests).toHaveLength(0);
    await screenshot(page, "examples-03-trusted");
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
