// The notebook page in Debian's Chromium against `luci serve` (startServer) and the fake model:
// open the example notebook, run its task with Shift-Enter and see the plan, code, validation
// and result; HTML and scripts from the model, from Python and from markdown stay inert; change
// a parameter field and the recorded code reruns with no model call; save, reload and find the
// outputs; trust a notebook whose recorded code came from elsewhere; the command-mode keys.
// Each state is kept as a screenshot in test-results/screenshots/.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { usePage } from "./support/browser.js";
import { loanAnswer, PAYMENT_5, PAYMENT_7 } from "./support/loan-task.js";
import { usePageServer } from "./support/page-server.js";

/** The parts of a saved notebook these tests read. */
interface SavedNotebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec: { name: string }; language_info: { name: string } };
  cells: { id?: string; source: string[]; metadata: { luci?: { kind?: string } }; outputs: { data?: Record<string, unknown> }[] }[];
}

const served = usePageServer();
const ui = usePage("page", { width: 1280, height: 900 });

const TASK_CELL = 2; // notebooks/loan-payment.ipynb: markdown, parameters cell, the loan task, the plot task
const cell = (i: number) => ui.page.locator(".notebook > .cell").nth(i);
const origin = () => new URL(served.server.baseUrl).origin;

describe("the notebook page", () => {
  it("without the token lists nothing and says why", async () => {
    const stranger = await ui.browser.newPage(); // its own sessionStorage: no token kept
    try {
      await stranger.goto(served.server.baseUrl);
      const error = stranger.locator(".file-error");
      await error.waitFor({ timeout: 15_000 });
      expect(await error.innerText()).toMatch(/refused the token/);
      expect(await stranger.locator(".file-item").count()).toBe(0);
    } finally {
      await stranger.close();
    }
  });

  it("lists the folder's notebooks, keeps the token out of the address bar and opens the example", async () => {
    await ui.page.goto(served.server.url);
    await ui.page.locator('.file-item[data-path="loan-payment.ipynb"]').waitFor();
    expect(ui.page.url()).not.toContain("token");
    expect(await ui.page.locator(".file-item").allInnerTexts()).toEqual(expect.arrayContaining(["◆\nloan-payment", "◆\npython-basics"]));
    await ui.screenshot("page-01-notebooks");

    await ui.page.click('.file-item[data-path="loan-payment.ipynb"]');
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    expect(new URL(ui.page.url()).pathname).toBe("/notebooks/loan-payment.ipynb");
    expect(await ui.page.locator(".notebook > .cell").count()).toBe(4);
    expect(await cell(0).getAttribute("data-kind")).toBe("markdown");
    expect(await cell(1).getAttribute("data-kind")).toBe("python");
    expect(await cell(TASK_CELL).getAttribute("data-kind")).toBe("task");
    const fields = await cell(TASK_CELL).locator(".param-field input.param-box").all();
    expect(await Promise.all(fields.map(async (i) => `${await i.getAttribute("name")}=${await i.inputValue()}`))).toEqual([
      "principal=250000",
      "rate=0.05",
      "years=30",
    ]);
    await ui.screenshot("page-02-loan-notebook");
  });

  it("runs a task cell with Shift-Enter: the plan, code, validation and result appear in the cell", async () => {
    served.model.enqueue(loanAnswer());
    await cell(TASK_CELL).locator(".cell-editor").click();
    await ui.page.keyboard.press("Shift+Enter");
    const task = cell(TASK_CELL);
    await task.locator(".output-stream", { hasText: PAYMENT_5 }).waitFor({ timeout: 45_000 });
    expect(await task.locator(".luci-plan").innerText()).toContain("Apply the annuity formula to the principal");
    expect(await task.locator(".luci-code code").innerText()).toContain("payment = principal * r / (1 - (1 + r) ** -n)");
    expect(await task.locator(".luci-validation").innerText()).toMatch(/passed/i);
    expect(await task.locator(".luci-record").count()).toBe(1);
    expect(await task.locator(".cell-prompt").innerText()).toMatch(/^\[\d+\]$/);
    // Shift-Enter moved on to the next cell.
    expect(await cell(TASK_CELL + 1).getAttribute("class")).toContain("cell-selected");
    expect(served.model.chatRequests).toHaveLength(1);
    expect(JSON.stringify(served.model.chatRequests[0]!.body)).toContain("Monthly payment on a loan of {principal=250000}");
    await task.scrollIntoViewIfNeeded();
    await ui.screenshot("page-03-task-ran");
  });

  it("shows HTML and scripts from the model, from Python and from markdown as inert content", async () => {
    const plan = cell(TASK_CELL).locator(".luci-plan");
    // The model's hostile plan step is text, not markup.
    expect(await plan.innerText()).toContain("<img src=x onerror=");
    expect(await plan.locator("img, script").count()).toBe(0);

    // Python's display(HTML(...)) goes through DOMPurify: the bold stays, the handler and the script go.
    await ui.page.click('.tool[data-action="add-python"]');
    await ui.page.keyboard.type(
      `from IPython.display import HTML, display\ndisplay(HTML('<b class="kept-bold">bold</b><img src=x onerror="window.__luciXss=1"><script>window.__luciXss=2</script><a href="javascript:window.__luciXss=3">link</a>'))`,
    );
    await ui.page.keyboard.press("Control+Enter");
    const python = ui.page.locator(".notebook > .cell.cell-selected");
    await python.locator(".kept-bold").waitFor({ timeout: 30_000 });
    // A markdown cell with the same tricks.
    await ui.page.click('.tool[data-action="add-markdown"]');
    await ui.page.keyboard.type(`# Notes\n\n<img src=x onerror="window.__luciXss=4"> <script>window.__luciXss=5</script> [x](javascript:window.__luciXss=6)`);
    await ui.page.keyboard.press("Control+Enter");
    await ui.page.locator(".cell-rendered h1", { hasText: "Notes" }).waitFor();
    await ui.page.waitForTimeout(300); // time for an image error handler, were one left
    expect(await ui.page.evaluate("window.__luciXss")).toBeUndefined();
    expect(await ui.page.locator(".notebook [onerror], .notebook script, .notebook iframe").count()).toBe(0);
    expect(await ui.page.locator('.notebook a[href^="javascript:"]').count()).toBe(0);
    await ui.screenshot("page-04-inert-html");
    // These two cells are not part of the rest of the story: D D deletes each (the markdown
    // cell is selected, then the Python cell above it).
    for (let i = 0; i < 2; i++) {
      await ui.page.keyboard.press("Escape");
      await ui.page.keyboard.press("d");
      await ui.page.keyboard.press("d");
    }
    expect(await ui.page.locator(".notebook > .cell").count()).toBe(4);
  });

  it("reruns the recorded code with a changed parameter, with no model call", async () => {
    const task = cell(TASK_CELL);
    const rate = task.locator('.param-field input[name="rate"]');
    await rate.fill("0.07");
    await rate.press("Enter");
    await task.locator(".output-stream", { hasText: PAYMENT_7 }).waitFor({ timeout: 30_000 });
    expect(await task.locator(".cell-editor .cm-content").innerText()).toContain("{rate=0.07}");
    expect(await task.locator(".output-stream").innerText()).not.toContain(PAYMENT_5);
    expect(served.model.chatRequests).toHaveLength(1);
    await ui.screenshot("page-05-parameter-rerun");
  });

  it("saves nbformat 4.5 with Ctrl-S and finds the outputs again after a reload", async () => {
    await ui.page.locator(".notebook").focus();
    await ui.page.keyboard.press("Control+s");
    await ui.page.locator(".dirty-mark").waitFor({ state: "hidden" });
    const saved = JSON.parse(readFileSync(join(served.root, "loan-payment.ipynb"), "utf8")) as SavedNotebook;
    expect([saved.nbformat, saved.nbformat_minor]).toEqual([4, 5]);
    expect(saved.metadata.kernelspec.name).toBe("luci");
    expect(saved.metadata.language_info.name).toBe("python");
    expect(saved.cells.every((c) => typeof c.id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(c.id))).toBe(true);
    const taskCell = saved.cells[TASK_CELL]!;
    // Its text alone makes it a task (Python's parser refuses it), so no kind is written for it.
    expect(taskCell.metadata.luci?.kind).toBeUndefined();
    expect(taskCell.source.join("")).toContain("{rate=0.07}");
    expect(JSON.stringify(taskCell.outputs)).toContain("application/vnd.luci.record+json");
    expect(JSON.stringify(taskCell.outputs)).toContain(PAYMENT_7);

    await ui.page.reload();
    const task = cell(TASK_CELL);
    // The rerun from the record shows the code (no plan: no model was asked), the record and the result.
    await task.locator(".luci-code").waitFor({ timeout: 30_000 });
    expect(await task.locator(".output-stream").innerText()).toContain(PAYMENT_7);
    expect(await task.locator(".luci-code code").innerText()).toContain("payment = principal");
    expect(await task.locator(".luci-record").count()).toBe(1);
    expect(await task.locator('.param-field input[name="rate"]').inputValue()).toBe("0.07");
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    await ui.screenshot("page-06-reloaded");
  });

  it("offers to trust a notebook whose recorded code came from someone else, then runs it", async () => {
    // A copy whose record is signed by another key: the kernel shows the code and does not run it.
    const notebook = JSON.parse(readFileSync(join(served.root, "loan-payment.ipynb"), "utf8")) as SavedNotebook;
    for (const output of notebook.cells[TASK_CELL]!.outputs) {
      const record = output.data?.["application/vnd.luci.record+json"];
      if (record) Object.assign(record, { author: "colleague@elsewhere", signature: "0".repeat(64) });
    }
    writeFileSync(join(served.root, "from-a-colleague.ipynb"), JSON.stringify(notebook));
    await ui.page.goto(`${origin()}/notebooks/from-a-colleague.ipynb`);
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    const task = cell(TASK_CELL);
    await task.locator(".cell-editor").click();
    await ui.page.keyboard.press("Control+Enter");
    await task.locator(".output-not-trusted").waitFor({ timeout: 30_000 });
    const banner = ui.page.locator(".trust-banner");
    await banner.waitFor();
    expect(await task.locator(".output-stream").count()).toBe(0);
    await ui.screenshot("page-07-untrusted");

    await banner.locator(".trust-button").click();
    await task.locator(".output-stream", { hasText: PAYMENT_7 }).waitFor({ timeout: 30_000 });
    // The banner says so once the reruns it started have ended: the output can come a moment before.
    await ui.page.locator(".trust-banner.banner-ok").waitFor({ timeout: 30_000 });
    expect(await banner.innerText()).toMatch(/Trusted 1 recorded program/);
    expect(await task.locator(".output-not-trusted").count()).toBe(0);
    expect(served.model.chatRequests).toHaveLength(1);
    await ui.screenshot("page-08-trusted");
  });

  it("keeps Jupyter's command-mode keys: B inserts, M makes markdown, Y Python, T a task, D D deletes", async () => {
    const count = await ui.page.locator(".notebook > .cell").count();
    await cell(0).click({ position: { x: 4, y: 4 } });
    await ui.page.keyboard.press("Escape");
    await ui.page.keyboard.press("b");
    expect(await ui.page.locator(".notebook > .cell").count()).toBe(count + 1);
    const added = cell(1);
    expect(await added.getAttribute("class")).toContain("cell-editing");
    await ui.page.keyboard.type("print('from the keyboard')");
    await ui.page.keyboard.press("Escape");
    await ui.page.keyboard.press("y");
    expect(await added.getAttribute("data-kind")).toBe("python");
    await ui.page.keyboard.press("Enter");
    await ui.page.keyboard.press("Control+Enter");
    await added.locator(".output-stream", { hasText: "from the keyboard" }).waitFor({ timeout: 30_000 });
    await ui.page.keyboard.press("Escape");
    await ui.page.keyboard.press("m");
    expect(await added.getAttribute("data-kind")).toBe("markdown");
    await ui.page.keyboard.press("t");
    expect(await added.getAttribute("data-kind")).toBe("task");
    await ui.page.keyboard.press("d");
    await ui.page.keyboard.press("d");
    expect(await ui.page.locator(".notebook > .cell").count()).toBe(count);
    // Chromium reports each inline handler it refused while DOMPurify parsed the hostile HTML in
    // an inert document (the CSP's second wall); nothing else may go wrong on the page.
    expect(ui.errors.filter((e) => !/Failed to load resource|Executing inline event handler violates/.test(e))).toEqual([]);
  });
});
