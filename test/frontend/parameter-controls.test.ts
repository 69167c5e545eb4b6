// A task's parameters as controls on Luci's page (frontend/views/parameter-fields.ts), in
// Chromium against `luci serve` and the scripted model server: the scripted model answers the
// first run; then the rate slider dragged, the slider stepped with its arrow keys, an exact value
// typed in the number box, the checkbox and the text box each rerun the recorded code with the
// new value (the output changes, the cell's text shows the value, and the model is never asked
// again); a slider dragged or stepped quickly reruns once or twice, never once per step; and once
// the task's words are edited the controls are off and say a run asks the model. The saved
// notebook holds the new values, and nbconvert reruns it with them, from the record.
// Screenshots: test-results/screenshots/parameter-controls-*.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { answer } from "../support/fake-model-server.js";
import { ROOT, usePage } from "./support/browser.js";
import { luciKernelEnv, usePageServer } from "./support/page-server.js";
import { dragSliderFromMiddle } from "./support/cells.js";
import { loanPayment } from "./support/loan-task.js";

const TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years, in {currency='EUR'}, with the total if {show_total=False}";
const CODE = [
  "r = rate / 12",
  "n = years * 12",
  "payment = principal * r / (1 - (1 + r) ** -n)",
  "print(f'{payment:.2f} {currency}')",
  "if show_total:",
  "    print(f'total {payment * n:.2f}')",
].join("\n");
const NOTEBOOK = "controls.ipynb";
/** A task that is never run: the controls for a negative number, zero, None and a list. */
const OTHER_KINDS = "Shift the readings by {offset=-2.5}, drop those under {floor=0}, keep at most {limit=None} of the sensors {ids=[1, 2]}";

const served = usePageServer();
const ui = usePage("parameter-controls", { width: 1280, height: 900 });
const cell = () => ui.page.locator(".notebook > .cell").first();
const control = (name: string) => cell().locator(`.param-field[data-name="${name}"]`);

/** The cell's execution count, once it is idle. */
async function count(): Promise<number> {
  const text = await cell()
    .locator(".cell-prompt", { hasText: /^\[\d+\]$/ })
    .innerText();
  return Number(/\d+/.exec(text)![0]);
}

/** Waits until the cell has printed `text` and is idle again. */
async function ranWith(text: string): Promise<void> {
  await cell().locator(".output-stdout", { hasText: text }).waitFor({ timeout: 60_000 });
  await cell()
    .locator(".cell-prompt", { hasText: /^\[\d+\]$/ })
    .waitFor({ timeout: 60_000 });
  await cell().locator(".cell-params:not(.params-running)").waitFor({ timeout: 60_000 });
}

beforeAll(async () => {
  writeFileSync(
    join(served.root, NOTEBOOK),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" }, language_info: { name: "python" } },
      cells: [
        { id: "loan-task", cell_type: "code", metadata: {}, source: TASK, outputs: [], execution_count: null },
        { id: "other-kinds", cell_type: "code", metadata: {}, source: OTHER_KINDS, outputs: [], execution_count: null },
      ],
    }),
  );
}, 60_000);

describe("a task's parameters as controls on the page", () => {
  it("shows a slider and number box for numbers, a text box for a string and a checkbox for a boolean; before a record they only say so", async () => {
    await ui.page.goto(served.server.url);
    await ui.page.click(`.file-item[data-path="${NOTEBOOK}"]`);
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });

    for (const name of ["principal", "rate", "years"]) expect(await control(name).locator('input[type="range"]').count()).toBe(1);
    expect(await control("rate").getAttribute("data-kind")).toBe("float");
    expect(await control("years").getAttribute("data-kind")).toBe("int");
    const rate = control("rate").locator('input[type="range"]');
    expect([await rate.getAttribute("min"), await rate.getAttribute("max"), await rate.getAttribute("step")]).toEqual(["0", "0.1", "0.001"]);
    const principal = control("principal").locator('input[type="range"]');
    expect([await principal.getAttribute("min"), await principal.getAttribute("max"), await principal.getAttribute("step")]).toEqual(["0", "500000", "1000"]);
    expect(await control("rate").locator('input[name="rate"]').inputValue()).toBe("0.05");
    expect(await control("currency").locator('input[name="currency"]').inputValue()).toBe("EUR");
    expect(await control("show_total").locator('input[type="checkbox"]').isChecked()).toBe(false);
    expect(await cell().locator(".param-note").innerText()).toMatch(/No recorded code yet/);

    // A negative number slides across zero; zero has a range of its own; None and a list are typed as literals.
    const other = ui.page.locator(".notebook > .cell").nth(1);
    const range = async (name: string) => {
      const slider = other.locator(`.param-field[data-name="${name}"] input[type="range"]`);
      return [await slider.getAttribute("min"), await slider.getAttribute("max"), await slider.getAttribute("step")];
    };
    expect(await range("offset")).toEqual(["-5", "5", "0.1"]);
    expect(await range("floor")).toEqual(["0", "10", "1"]);
    expect(await other.locator('.param-field[data-name="limit"] input[name="limit"]').inputValue()).toBe("None");
    expect(await other.locator('.param-field[data-name="ids"] input[name="ids"]').inputValue()).toBe("[1, 2]");
    await ui.screenshot("parameter-controls-01-before-a-run");
  }, 90_000);

  it("the scripted model answers the first run", async () => {
    served.model.enqueue(answer({ plan: { steps: [{ action: "Apply the annuity formula" }, { action: "Print the payment" }] }, code: CODE }));
    await cell().locator(".cell-run").click();
    await ranWith(`${loanPayment(0.05)} EUR`);
    await cell().locator(".luci-record").waitFor({ timeout: 30_000 });
    expect(served.model.chatRequests).toHaveLength(1);
    expect(await cell().locator(".param-note").isVisible()).toBe(false);
  }, 120_000);

  it("the rate slider dragged reruns the recorded code once (not once per move), with the value it was released at, and no model call", async () => {
    const before = await count();
    const slider = control("rate").locator('input[type="range"]');
    // The thumb sits at 0.05 of 0..0.1: the middle. Dragged most of the way right, in many small moves.
    await dragSliderFromMiddle(ui.page, slider, 0.72);
    // While held, the number box follows and nothing has run yet.
    const held = await control("rate").locator('input[name="rate"]').inputValue();
    expect(Number(held)).toBeGreaterThan(0.06);
    await ui.page.mouse.up();
    const value = await control("rate").locator('input[name="rate"]').inputValue();
    await ranWith(`${loanPayment(Number(value))} EUR`);
    // One rerun for 25 moves: on release. A machine so slow that the hand seemed to rest for the
    // pause mid-drag may add one (a rest is a rerun by design); never one per move.
    const runs = (await count()) - before;
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);
    expect(await cell().locator(".cell-editor .cm-content").innerText()).toContain(`{rate=${value}}`);
    expect(await cell().locator(".output-stdout").innerText()).not.toContain(loanPayment(0.05));
    expect(served.model.chatRequests).toHaveLength(1);
    await ui.screenshot("parameter-controls-02-slider-moved");
  }, 120_000);

  it("the slider stepped by ten arrow keys reruns at most twice, and the latest value is the one that ran", async () => {
    const before = await count();
    const slider = control("rate").locator('input[type="range"]');
    await slider.focus();
    for (let i = 0; i < 10; i++) await ui.page.keyboard.press("ArrowLeft");
    const value = await control("rate").locator('input[name="rate"]').inputValue();
    await ranWith(`${loanPayment(Number(value))} EUR`);
    // Settled: the text and the output agree on the last value.
    await cell()
      .locator(".cell-editor .cm-content", { hasText: `{rate=${value}}` })
      .waitFor({ timeout: 60_000 });
    await ranWith(`${loanPayment(Number(value))} EUR`);
    const runs = (await count()) - before;
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);
    expect(served.model.chatRequests).toHaveLength(1);
  }, 120_000);

  it("the slider keeps the keys when its rerun selects the cell", async () => {
    // Another cell is selected; the rate slider is stepped, its rerun selects the loan cell, and the next key still steps it.
    await ui.page.locator(".notebook > .cell").nth(1).locator(".cell-prompt").click();
    const slider = control("rate").locator('input[type="range"]');
    const box = control("rate").locator('input[name="rate"]');
    const start = Number(await box.inputValue());
    await slider.focus();
    await ui.page.keyboard.press("ArrowRight");
    await ranWith(`${loanPayment(start + 0.001)} EUR`);
    expect(await cell().getAttribute("class")).toContain("cell-selected");
    await ui.page.keyboard.press("ArrowRight");
    await ranWith(`${loanPayment(start + 0.002)} EUR`);
    expect(Number(await box.inputValue())).toBeCloseTo(start + 0.002, 10);
    expect(served.model.chatRequests).toHaveLength(1);
  }, 120_000);

  it("an exact value typed in the number box, the checkbox and the text box rerun it too", async () => {
    const rate = control("rate").locator('input[name="rate"]');
    await rate.fill("0.0615");
    await rate.press("Enter");
    await ranWith(`${loanPayment(0.0615)} EUR`);
    expect(await cell().locator(".cell-editor .cm-content").innerText()).toContain("{rate=0.0615}");
    // The slider went to the typed value (its range kept: 0.0615 is inside it).
    expect(await control("rate").locator('input[type="range"]').inputValue()).toBe("0.0615");

    await control("show_total").locator('input[type="checkbox"]').check();
    await ranWith("total ");
    expect(await cell().locator(".cell-editor .cm-content").innerText()).toContain("{show_total=True}");

    const currency = control("currency").locator('input[name="currency"]');
    await currency.fill("US dollars");
    await currency.press("Enter");
    await ranWith(`${loanPayment(0.0615)} US dollars`);
    expect(await cell().locator(".cell-editor .cm-content").innerText()).toContain('{currency="US dollars"}');
    expect(served.model.chatRequests).toHaveLength(1);
    await cell().locator(".output-stdout", { hasText: "total" }).waitFor();
    await ui.screenshot("parameter-controls-03-typed-checked");

    // The saved notebook holds the values its outputs came from.
    await ui.page.keyboard.press("Escape");
    await ui.page.keyboard.press("Control+s");
    await ui.page.locator(".dirty-mark").waitFor({ state: "hidden", timeout: 30_000 });
    const saved = JSON.parse(readFileSync(join(served.root, NOTEBOOK), "utf8")) as { cells: { source: string | string[] }[] };
    const source = [saved.cells[0]!.source].flat().join("");
    expect(source).toContain("{rate=0.0615}");
    expect(source).toContain("{show_total=True}");
    expect(source).toContain('{currency="US dollars"}');

    // nbconvert runs the saved task with the values in its text, from its record: no model call.
    const copy = JSON.parse(readFileSync(join(served.root, NOTEBOOK), "utf8")) as { cells: unknown[] };
    copy.cells = copy.cells.slice(0, 1);
    writeFileSync(join(served.root, "controls-copy.ipynb"), JSON.stringify(copy));
    const result = await execa(
      join(ROOT, ".venv", "bin", "jupyter"),
      ["nbconvert", "--to", "notebook", "--execute", "controls-copy.ipynb", "--output", "controls-run.ipynb"],
      {
        cwd: served.root,
        reject: false,
        stdin: "ignore",
        env: { ...process.env, ...luciKernelEnv(dirname(served.root), served.model) },
      },
    );
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const ran = JSON.parse(readFileSync(join(served.root, "controls-run.ipynb"), "utf8")) as {
      cells: { outputs: { name?: string; text?: string | string[] }[] }[];
    };
    const printed = ran.cells[0]!.outputs.filter((o) => o.name === "stdout")
      .map((o) => [o.text ?? ""].flat().join(""))
      .join("");
    expect(printed).toContain(`${loanPayment(0.0615)} US dollars`);
    expect(printed).toContain("total ");
    expect(served.model.chatRequests).toHaveLength(1);
  }, 180_000);

  it("once the task's words change, the controls are off and say a run asks the model", async () => {
    const runsBefore = await count();
    await cell().locator(".cell-editor .cm-content").click();
    await ui.page.keyboard.press("Control+End");
    await ui.page.keyboard.type(", rounded up");
    const note = cell().locator(".param-note");
    await note.waitFor();
    expect(await note.innerText()).toMatch(/The task's words changed since its code was recorded: run the cell/);
    expect(await control("rate").locator('input[type="range"]').isDisabled()).toBe(true);
    expect(await control("rate").locator('input[name="rate"]').isDisabled()).toBe(true);
    expect(await control("show_total").locator('input[type="checkbox"]').isDisabled()).toBe(true);
    // Nothing ran, and the model was not asked.
    await ui.page.waitForTimeout(1_000);
    expect(await count()).toBe(runsBefore);
    expect(served.model.chatRequests).toHaveLength(1);
    await ui.screenshot("parameter-controls-04-task-changed");

    // Back to the recorded words: the controls are on again.
    for (let i = 0; i < ", rounded up".length; i++) await ui.page.keyboard.press("Backspace");
    await cell().locator(".cell-params:not(.params-off)").waitFor();
    expect(await control("rate").locator('input[type="range"]').isDisabled()).toBe(false);
    expect(ui.errors).toEqual([]);
  }, 90_000);
});
