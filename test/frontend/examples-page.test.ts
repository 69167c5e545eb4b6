// The shipped loan example on the page, as someone other than its maker sees it (a trust folder
// of their own): opened, the task shows the plan, code, validation, result and record it was
// shipped with; run, the code is shown and not run, with the banner and its trust button; trusted,
// the recorded code runs with no model call. Screenshots examples-*.
import { describe, expect, it } from "vitest";
import { usePage } from "./support/browser.js";
import { usePageServer } from "./support/page-server.js";

const PAYMENT = "1342.05"; // 250000 at 5% a year for 30 years, as shipped
const TASK_CELL = 2;
// Outputs and records as shipped; nothing is queued for the model: a model call would fail the cell.
const served = usePageServer({ notebooks: "as shipped", token: "examples-test-token" });
const ui = usePage("examples", { width: 1280, height: 1000 });
const cell = (i: number) => ui.page.locator(".notebook > .cell").nth(i);

describe("the shipped loan example, opened by someone else", () => {
  it("shows what the task gave: plan, code, validation, result and record", async () => {
    await ui.page.goto(served.server.url);
    await ui.page.click('.file-item[data-path="loan-payment.ipynb"]');
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
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
    await ui.screenshot("examples-01-opened");
  });

  it("run, shows the code and does not run it, with a banner that offers to trust the notebook", async () => {
    const task = cell(TASK_CELL);
    await task.locator(".cell-editor").click();
    await ui.page.keyboard.press("Control+Enter");
    await task.locator(".output-not-trusted").waitFor({ timeout: 30_000 });
    expect(await task.locator(".output-not-trusted").innerText()).toMatch(/not by you.*luci trust/s);
    expect(await task.locator(".luci-code code").innerText()).toContain("rate / 12");
    expect(await task.locator(".output-stream").count()).toBe(0);
    const banner = ui.page.locator(".trust-banner");
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/recorded by someone else/);
    expect(await banner.locator(".trust-button").isVisible()).toBe(true);
    expect(served.model.chatRequests).toHaveLength(0);
    await ui.screenshot("examples-02-not-trusted");
  });

  it("trusted, reruns the recorded code with no model call", async () => {
    const task = cell(TASK_CELL);
    await ui.page.locator(".trust-banner .trust-button").click();
    await task.locator(".output-stream", { hasText: PAYMENT }).waitFor({ timeout: 30_000 });
    expect(await task.locator(".output-not-trusted").count()).toBe(0);
    expect(await ui.page.locator(".trust-banner").getAttribute("class")).toContain("banner-ok");
    expect(served.model.chatRequests).toHaveLength(0);
    await ui.screenshot("examples-03-trusted");
    expect(ui.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
