// The trust banner on open: a notebook that holds someone else's records (the shipped loan example,
// signed on another machine; this test's trust folder is empty, so it is foreign here) shows the
// banner as soon as it opens, before anything runs. The count comes from the server's
// /api/luci/trust, which judges the file with the kernels' own trust check and trust folder; the
// page judges nothing itself. Trusted through the banner (the kernel's question answered), the
// warning goes, the recorded code runs with no model call, and a reopen shows no banner. A
// notebook of the user's own shows none. Screenshots trust-open-*.
import { describe, expect, it } from "vitest";
import { usePage } from "./support/browser.js";
import { usePageServer } from "./support/page-server.js";

const PAYMENT = "1342.05"; // 250000 at 5% a year for 30 years, as shipped
const TASK_CELL = 2;
const TOKEN = "trust-open-test-token";
// Records as shipped (someone else's here); nothing is queued for the model: a model call would fail the cell.
const served = usePageServer({ notebooks: "as shipped", token: TOKEN });
const ui = usePage("trust-open", { width: 1280, height: 1000 });
const cell = (i: number) => ui.page.locator(".notebook > .cell").nth(i);
const banner = () => ui.page.locator(".trust-banner");

async function trustApi(path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(`/api/luci/trust?path=${encodeURIComponent(path)}`, served.server.url), {
    headers: { Authorization: `token ${TOKEN}` },
  });
  return { status: response.status, body: await response.json() };
}

describe("a notebook with someone else's records, opened", () => {
  it("the server's check counts the shipped records as foreign, and keeps to the root", async () => {
    const loan = await trustApi("loan-payment.ipynb");
    expect(loan.status).toBe(200);
    expect(loan.body).toMatchObject({ unreadable: null });
    expect((loan.body as { foreign: number }).foreign).toBeGreaterThan(0);
    expect((await trustApi("../outside.ipynb")).status).toBe(404);
    const anonymous = await fetch(new URL("/api/luci/trust?path=loan-payment.ipynb", served.server.url));
    expect(anonymous.status).toBe(403);
  });

  it("shows the banner at once, before any run", async () => {
    await ui.page.goto(served.server.url);
    await ui.page.click('.file-item[data-path="loan-payment.ipynb"]');
    await banner().waitFor({ state: "visible", timeout: 30_000 });
    expect(await banner().getAttribute("data-checked")).toBe("loan-payment.ipynb");
    expect(await banner().innerText()).toMatch(/recorded programs? made by someone else/);
    expect(await banner().locator(".trust-button").isVisible()).toBe(true);
    // Nothing was run (this test runs no cell), so no cell was refused: the banner is the check's.
    expect(await ui.page.locator(".output-not-trusted").count()).toBe(0);
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    await ui.screenshot("trust-open-01-banner-on-open");
  });

  it("stays while a cell with no record runs", async () => {
    await ui.page.locator(".notebook > .cell").last().click();
    await ui.page.click('.tool[data-action="add-python"]');
    await ui.page.keyboard.insertText("print('mine')");
    await ui.page.keyboard.press("Control+Enter");
    await ui.page.locator(".notebook .output-stdout", { hasText: "mine" }).waitFor({ timeout: 30_000 });
    expect(await banner().isVisible()).toBe(true);
    expect(await banner().locator(".trust-button").isVisible()).toBe(true);
  });

  it("trusted through the banner, the warning goes and the recorded code runs with no model call", async () => {
    await banner().locator(".trust-button").click();
    await ui.page.locator(".trust-banner.banner-ok").waitFor({ timeout: 30_000 });
    expect(await banner().locator(".trust-button").isVisible()).toBe(false);
    expect(await banner().innerText()).toMatch(/Trusted \d+ recorded program/);
    expect(((await trustApi("loan-payment.ipynb")).body as { foreign: number }).foreign).toBe(0);
    const task = cell(TASK_CELL);
    await task.locator(".cell-editor").click();
    await ui.page.keyboard.press("Control+Enter");
    await task.locator(".cell-prompt", { hasText: /^\[\d+\]$/ }).waitFor({ timeout: 30_000 });
    expect(await task.locator(".output-stream").innerText()).toContain(PAYMENT);
    expect(await task.locator(".output-not-trusted").count()).toBe(0);
    expect(served.model.chatRequests).toHaveLength(0);
    await ui.screenshot("trust-open-02-trusted");
  });

  it("reopened, shows no banner; nor does a notebook of the user's own", async () => {
    await ui.page.keyboard.press("Escape");
    await ui.page.keyboard.press("Control+s");
    await ui.page.locator(".dirty-mark").waitFor({ state: "hidden", timeout: 30_000 });
    await ui.page.reload();
    await ui.page.locator('.trust-banner[data-checked="loan-payment.ipynb"]').waitFor({ state: "attached", timeout: 30_000 });
    expect(await banner().isVisible()).toBe(false);
    await ui.page.click('.file-item[data-path="python-basics.ipynb"]');
    await ui.page.locator('.trust-banner[data-checked="python-basics.ipynb"]').waitFor({ state: "attached", timeout: 30_000 });
    expect(await banner().isVisible()).toBe(false);
    await ui.screenshot("trust-open-03-reopened");
    expect(ui.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
