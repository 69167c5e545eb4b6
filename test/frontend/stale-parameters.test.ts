// Parameters without surprises, on Luci's page in Chromium against `luci serve` and the fake
// model: a task cell says which value each parameter ran with and where it came from; changing
// `rate` in loan-payment's first task marks the later task that reads it "stale: ran with
// rate = 0.05" (a Python cell that does not read it stays as it is), and rerunning it clears
// the mark. Screenshots: test-results/screenshots/stale-*.
import { describe, expect, it } from "vitest";
import { answer } from "../support/fake-model-server.js";
import { usePage } from "./support/browser.js";
import { loanAnswer, PAYMENT_5, PAYMENT_7 } from "./support/loan-task.js";
import { usePageServer } from "./support/page-server.js";

// notebooks/loan-payment.ipynb: markdown, the parameters cell, the loan task, the plot task.
const PARAMS_CELL = 1;
const LOAN_CELL = 2;
const SCHEDULE_CELL = 3;
const OTHER_CELL = 4; // a Python cell added by the test, which does not read rate
/** The schedule task's code: it reads `rate` itself, and `payment` and `n`, which the loan task made. */
const SCHEDULE_CODE = "interest = payment * n - principal\nmonthly = rate / 12\nprint(f'interest paid: {interest:.2f} at {monthly:.5f} a month')";

const served = usePageServer();
const ui = usePage("stale", { width: 1280, height: 1000 });
const cell = (i: number) => ui.page.locator(".notebook > .cell").nth(i);

async function runCell(i: number): Promise<void> {
  await cell(i).locator(".cell-run").click();
}

describe("parameters on the page", () => {
  it("runs the notebook: each task says which values it ran with and where they came from", async () => {
    await ui.page.goto(served.server.url);
    await ui.page.click('.file-item[data-path="loan-payment.ipynb"]');
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    expect(await ui.page.locator(".notebook > .cell").count()).toBe(4);

    await runCell(PARAMS_CELL);
    await cell(PARAMS_CELL)
      .locator(".cell-prompt", { hasText: /\[\d+\]/ })
      .waitFor({ timeout: 30_000 });

    served.model.enqueue(loanAnswer());
    await runCell(LOAN_CELL);
    const loan = cell(LOAN_CELL);
    await loan.locator(".output-stream", { hasText: PAYMENT_5 }).waitFor({ timeout: 45_000 });
    expect(await loan.innerText()).toContain(
      "Parameters: principal = 250000 (typed in the task) · rate = 0.05 (from the parameters cell) · years = 30 (typed in the task)",
    );

    served.model.enqueue(answer({ code: SCHEDULE_CODE }));
    await runCell(SCHEDULE_CELL);
    await cell(SCHEDULE_CELL).locator(".output-stream", { hasText: "interest paid: 233139.46 at 0.00417 a month" }).waitFor({ timeout: 45_000 });

    // A later Python cell that does not read rate.
    await cell(SCHEDULE_CELL).locator(".cell-prompt").click();
    await ui.page.click('.tool[data-action="add-python"]');
    await ui.page.keyboard.type("greeting = 'hello'\nprint(greeting)");
    await ui.page.keyboard.press("Control+Enter");
    await cell(OTHER_CELL).locator(".output-stream", { hasText: "hello" }).waitFor({ timeout: 30_000 });

    expect(await ui.page.locator(".cell-stale:visible").count()).toBe(0);
    expect(served.model.chatRequests).toHaveLength(2);
    await loan.scrollIntoViewIfNeeded();
    await ui.screenshot("stale-01-parameters-line");
  });

  it("changing rate in the first task marks the later task that reads it stale, and nothing else", async () => {
    const rate = cell(LOAN_CELL).locator('.param-field input[name="rate"]');
    await rate.fill("0.07");
    await rate.press("Enter");
    await cell(LOAN_CELL).locator(".output-stream", { hasText: PAYMENT_7 }).waitFor({ timeout: 30_000 });
    // The value typed in the task wins over the parameters cell's, and the line says so.
    expect(await cell(LOAN_CELL).innerText()).toContain("rate = 0.07 (typed in the task)");

    const mark = cell(SCHEDULE_CELL).locator(".cell-stale");
    await mark.waitFor();
    expect(await mark.innerText()).toBe("stale: ran with rate = 0.05");
    expect(await cell(SCHEDULE_CELL).getAttribute("class")).toContain("cell-is-stale");
    // The cell above it and the later cell that does not read rate are not marked; nor the task that ran.
    for (const i of [PARAMS_CELL, LOAN_CELL, OTHER_CELL]) expect(await cell(i).locator(".cell-stale").isVisible()).toBe(false);
    // Its outputs are still those of the run with 0.05.
    expect(await cell(SCHEDULE_CELL).locator(".output-stream").innerText()).toContain("233139.46");
    await cell(SCHEDULE_CELL).scrollIntoViewIfNeeded();
    await ui.screenshot("stale-02-marked");
  });

  it("rerunning the stale cell clears the mark and uses the new value, from its record", async () => {
    await runCell(SCHEDULE_CELL);
    await cell(SCHEDULE_CELL).locator(".output-stream", { hasText: "interest paid: 348772.25 at 0.00583 a month" }).waitFor({ timeout: 30_000 });
    expect(await cell(SCHEDULE_CELL).locator(".cell-stale").isVisible()).toBe(false);
    expect(await cell(SCHEDULE_CELL).getAttribute("class")).not.toContain("cell-is-stale");
    expect(await cell(SCHEDULE_CELL).locator(".output-stream").innerText()).not.toContain("233139.46");
    expect(served.model.chatRequests).toHaveLength(2);
    await ui.screenshot("stale-03-cleared");
    expect(ui.errors).toEqual([]);
  });
});
