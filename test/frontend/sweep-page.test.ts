// `%luci sweep` on Luci's page in Chromium against `luci serve` and the fake model: after the
// loan task of loan-payment.ipynb ran (one model call), a cell `%luci sweep rate=0.04:0.06:0.01
// years=15,30` shows the comparison table (6 rows, the payments as computed here) and the chart
// as an image, with no model call, and the next cell reads sweep_results. Screenshot:
// test-results/screenshots/sweep-*.
import { describe, expect, it } from "vitest";
import { usePage } from "./support/browser.js";
import { loanAnswer, PAYMENT_5 } from "./support/loan-task.js";
import { usePageServer } from "./support/page-server.js";

// notebooks/loan-payment.ipynb: markdown, the parameters cell, the loan task, the plot task.
const PARAMS_CELL = 1;
const LOAN_CELL = 2;

const served = usePageServer();
const ui = usePage("sweep", { width: 1280, height: 1000 });
const cell = (i: number) => ui.page.locator(".notebook > .cell").nth(i);

/** The annuity formula for 250000, computed here rather than by the code under test. */
function payment(rate: number, years: number): string {
  const r = rate / 12;
  return String(Math.round(((250000 * r) / (1 - (1 + r) ** -(years * 12))) * 100) / 100);
}

/** Adds a cell below cell `after` with `source`, and runs it. */
async function addAndRun(after: number, source: string): Promise<void> {
  await cell(after).locator(".cell-prompt").click();
  await ui.page.click('.tool[data-action="add-python"]');
  await ui.page.keyboard.type(source);
  await ui.page.keyboard.press("Control+Enter");
}

describe("%luci sweep on the page", () => {
  it("shows the table and the chart of the loan task's scenarios, with no model call", async () => {
    await ui.page.goto(served.server.url);
    await ui.page.click('.file-item[data-path="loan-payment.ipynb"]');
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    await cell(PARAMS_CELL).locator(".cell-run").click();
    await cell(PARAMS_CELL)
      .locator(".cell-prompt", { hasText: /\[\d+\]/ })
      .waitFor({ timeout: 30_000 });
    served.model.enqueue(loanAnswer());
    await cell(LOAN_CELL).locator(".cell-run").click();
    await cell(LOAN_CELL).locator(".output-stream", { hasText: PAYMENT_5 }).waitFor({ timeout: 45_000 });
    expect(served.model.chatRequests).toHaveLength(1);

    await addAndRun(LOAN_CELL, "%luci sweep rate=0.04:0.06:0.01 years=15,30");
    const sweep = cell(LOAN_CELL + 1);
    const rows = sweep.locator("table.luci-sweep tbody tr");
    await rows.nth(5).waitFor({ timeout: 45_000 });
    expect(await rows.count()).toBe(6);
    expect(await rows.nth(0).locator("td").allInnerTexts()).toEqual(["0.04", "15", payment(0.04, 15)]);
    expect(await rows.nth(5).locator("td").allInnerTexts()).toEqual(["0.06", "30", payment(0.06, 30)]);
    const chart = sweep.locator('img[src^="data:image/svg+xml;base64,"]');
    await chart.waitFor();
    // Drawn: the browser decoded the SVG at its width.
    const drawn = `(() => { const img = document.querySelectorAll(".notebook > .cell")[${LOAN_CELL + 1}].querySelector('img[src^="data:image/svg+xml"]'); return img.complete && img.naturalWidth; })()`;
    await expect.poll(() => ui.page.evaluate(drawn)).toBe(640);
    await sweep.getByText(/^Ran 6 of 6 scenarios in [\d.]+ s, no model call/).waitFor();
    expect(served.model.chatRequests).toHaveLength(1);

    await addAndRun(LOAN_CELL + 1, "print(len(sweep_results), sweep_results[0]['output'])");
    await cell(LOAN_CELL + 2)
      .locator(".output-stream", { hasText: `6 ${payment(0.04, 15)}` })
      .waitFor({ timeout: 30_000 });
    await sweep.scrollIntoViewIfNeeded();
    await ui.screenshot("sweep-01-table-and-chart");
    expect(ui.errors).toEqual([]);
  });
});
