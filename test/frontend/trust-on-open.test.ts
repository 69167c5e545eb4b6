// The trust banner on open: a notebook that holds someone else's records (the shipped loan example,
// signed on another machine; this test's trust folder is empty, so it is foreign here) shows the
// banner as soon as it opens, before anything runs. The count comes from the server's
// /api/luci/trust, which judges the file with the kernels' own trust check and trust folder; the
// page judges nothing itself. Trusted through the banner (the kernel's question answered), the
// warning goes, the recorded code runs with no model call, and a reopen shows no banner. A
// notebook of the user's own shows none. Screenshots trust-open-*.
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
const TOKEN = "trust-open-test-token";

let server: RunningServer;
let model: FakeModelServer;
let browser: Browser;
let page: Page;
let errors: string[];
const cell = (i: number) => page.locator(".notebook > .cell").nth(i);
const banner = () => page.locator(".trust-banner");

async function trustApi(path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(`/api/luci/trust?path=${encodeURIComponent(path)}`, server.url), { headers: { Authorization: `token ${TOKEN}` } });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "frontend", "main.js"))) throw new Error("dist/frontend is not built: run npm run build (or npm run build:frontend)");
  const base = mkdtempSync(join(tmpdir(), "luci-trust-open-"));
  const root = join(base, "notebooks");
  cpSync(join(ROOT, "notebooks"), root, { recursive: true }); // records as shipped: someone else's here
  model = await startFakeModelServer(); // nothing queued: a model call would fail the cell
  server = await startServer({ root, port: 0, token: TOKEN, kernelEnv: luciKernelEnv(base, model) });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  errors = collectPageErrors(page);
}, 60_000);

afterEach(async (context) => {
  await screenshotIfFailed(page, "trust-open", context);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await model?.close();
});

describe("a notebook with someone else's records, opened", () => {
  it("the server's check counts the shipped records as foreign, and keeps to the root", async () => {
    const loan = await trustApi("loan-payment.ipynb");
    expect(loan.status).toBe(200);
    expect(loan.body).toMatchObject({ unreadable: null });
    expect((loan.body as { foreign: number }).foreign).toBeGreaterThan(0);
    expect((await trustApi("../outside.ipynb")).status).toBe(404);
    const anonymous = await fetch(new URL("/api/luci/trust?path=loan-payment.ipynb", server.url));
    expect(anonymous.status).toBe(403);
  });

  it("shows the banner at once, before any run", async () => {
    await page.goto(server.url);
    await page.click('.file-item[data-path="loan-payment.ipynb"]');
    await banner().waitFor({ state: "visible", timeout: 30_000 });
    expect(await banner().getAttribute("data-checked")).toBe("loan-payment.ipynb");
    expect(await banner().innerText()).toMatch(/recorded programs? made by someone else/);
    expect(await banner().locator(".trust-button").isVisible()).toBe(true);
    // Nothing was run (this test runs no cell), so no cell was refused: the banner is the check's.
    expect(await page.locator(".output-not-trusted").count()).toBe(0);
    await page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    await screenshot(page, "trust-open-01-banner-on-open");
  });

  it("stays while a cell with no record runs", async () => {
    await page.locator(".notebook > .cell").last().click();
    await page.click('.tool[data-action="add-python"]');
    await page.keyboard.insertText("print('mine')");
    await page.keyboard.press("Control+Enter");
    await page.locator(".notebook .output-stdout", { hasText: "mine" }).waitFor({ timeout: 30_000 });
    expect(await banner().isVisible()).toBe(true);
    expect(await banner().locator(".trust-button").isVisible()).toBe(true);
  });

  it("trusted through the banner, the warning goes and the recorded code runs with no model call", async () => {
    await banner().locator(".trust-button").click();
    await page.locator(".trust-banner.banner-ok").waitFor({ timeout: 30_000 });
    expect(await banner().locator(".trust-button").isVisible()).toBe(false);
    expect(await banner().innerText()).toMatch(/Trusted \d+ recorded program/);
    expect(((await trustApi("loan-payment.ipynb")).body as { foreign: number }).foreign).toBe(0);
    const task = cell(TASK_CELL);
    await task.locator(".cell-editor").click();
    await page.keyboard.press("Control+Enter");
    await task.locator(".cell-prompt", { hasText: /^\[\d+\]$/ }).waitFor({ timeout: 30_000 });
    expect(await task.locator(".output-stream").innerText()).toContain(PAYMENT);
    expect(await task.locator(".output-not-trusted").count()).toBe(0);
    expect(model.chatRequests).toHaveLength(0);
    await screenshot(page, "trust-open-02-trusted");
  });

  it("reopened, shows no banner; nor does a notebook of the user's own", async () => {
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+s");
    await page.locator(".dirty-mark").waitFor({ state: "hidden", timeout: 30_000 });
    await page.reload();
    await page.locator('.trust-banner[data-checked="loan-payment.ipynb"]').waitFor({ state: "attached", timeout: 30_000 });
    expect(await banner().isVisible()).toBe(false);
    await page.click('.file-item[data-path="python-basics.ipynb"]');
    await page.locator('.trust-banner[data-checked="python-basics.ipynb"]').waitFor({ state: "attached", timeout: 30_000 });
    expect(await banner().isVisible()).toBe(false);
    await screenshot(page, "trust-open-03-reopened");
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
