// A task's parameters as controls in real JupyterLab with Luci's extension (labextension/src/
// parameter-panel.ts), in Chromium, installed as the README says (`luci install --prefix .venv`):
// a saved notebook's task cell runs once (the scripted model answers), then the rate slider is
// dragged: the extension writes the new value into the cell's text and runs the cell through the
// notebook's session, the output changes to the new result and the model is not asked again; the
// checkbox does the same; the saved file holds the new values and their outputs; and once the
// task's words are edited the controls are off and say a run asks the model.
// Screenshots: test-results/screenshots/jupyterlab-parameters-*.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { answer } from "../support/fake-model-server.js";
import { runCell, useLab } from "./support/lab.js";
import { dragSliderFromMiddle } from "../frontend/support/cells.js";
import { loanPayment } from "../frontend/support/loan-task.js";

const TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years, with the total if {show_total=False}";
const CODE = [
  "r = rate / 12",
  "n = years * 12",
  "payment = principal * r / (1 - (1 + r) ** -n)",
  "print(f'payment {payment:.2f}')",
  "if show_total:",
  "    print(f'total {payment * n:.2f}')",
].join("\n");
const FILE = "controls.ipynb";
const NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)";

let cell: Locator;
const control = (name: string) => cell.locator(`.luci-jl-params .param-field[data-name="${name}"]`);
const stdout = () => cell.locator("[data-mime-type='application/vnd.jupyter.stdout']");

/** The cell's execution count once it has run ([n], not [*]). */
async function count(): Promise<number> {
  const text = await cell.locator(".jp-InputPrompt", { hasText: /\[\d+\]/ }).innerText();
  return Number(/\[(\d+)\]/.exec(text)![1]);
}

async function ranWith(text: string): Promise<void> {
  await stdout().filter({ hasText: text }).first().waitFor({ timeout: 60_000 });
  await cell.locator(".jp-InputPrompt", { hasText: /\[\d+\]/ }).waitFor({ timeout: 60_000 });
  await cell.locator(".cell-params:not(.params-running)").waitFor({ timeout: 60_000 });
}

const temp = mkdtempSync(join(tmpdir(), "luci-labparams-"));
const root = join(temp, "notebooks");

beforeAll(() => {
  mkdirSync(root, { recursive: true });
  writeFileSync(
    join(root, FILE),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" }, language_info: { name: "python" } },
      cells: [{ id: "loan-task", cell_type: "code", metadata: {}, source: TASK, outputs: [], execution_count: null }],
    }),
  );
});

const ui = useLab("jupyterlab-parameters", { folder: temp, viewport: { width: 1360, height: 1000 }, extension: true });

describe("a task's parameters as controls in JupyterLab", () => {
  it("shows the controls under the task's text; the scripted model answers the first run", async () => {
    const url = new URL(ui.lab.url);
    url.pathname = `/lab/tree/${FILE}`;
    url.searchParams.set("reset", "");
    await ui.page.goto(url.toString());
    cell = ui.page.locator(`${NOTEBOOK} .jp-Notebook .jp-Cell`).first();
    await cell.locator(".cm-content", { hasText: "{rate=0.05}" }).waitFor({ timeout: 60_000 });
    await ui.page.locator(`${NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']`).waitFor({ timeout: 60_000 });

    // Between the input and the outputs, part of the cell.
    const strip = cell.locator(".luci-jl-params");
    await strip.waitFor({ timeout: 30_000 });
    expect(await cell.locator(".jp-Cell-inputWrapper + .luci-jl-params").count()).toBe(1);
    expect(await control("rate").locator('input[type="range"]').getAttribute("max")).toBe("0.1");
    expect(await control("show_total").locator('input[type="checkbox"]').count()).toBe(1);
    expect(await strip.locator(".param-note").innerText()).toMatch(/No recorded code yet/);

    ui.model.enqueue(answer({ plan: { steps: [{ action: "Apply the annuity formula" }] }, code: CODE }));
    await runCell(ui.page, cell);
    await ranWith(`payment ${loanPayment(0.05)}`);
    await cell.locator(".luci-jl .luci-record").waitFor({ timeout: 30_000 });
    expect(ui.model.chatRequests).toHaveLength(1);
    expect(await strip.locator(".param-note").isVisible()).toBe(false);
    await cell.scrollIntoViewIfNeeded();
    await ui.screenshot("jupyterlab-parameters-01-first-run");
  }, 180_000);

  it("the rate slider dragged rewrites the cell's text and reruns it once from its record, with no model call", async () => {
    const before = await count();
    const slider = control("rate").locator('input[type="range"]');
    await dragSliderFromMiddle(ui.page, slider, 0.25);
    await ui.page.mouse.up();
    const value = await control("rate").locator('input[name="rate"]').inputValue();
    expect(Number(value)).toBeLessThan(0.04);
    await ranWith(`payment ${loanPayment(Number(value))}`);
    // One rerun for 25 moves: on release. A machine so slow that the hand seemed to rest for the
    // pause mid-drag may add one (a rest is a rerun by design); never one per move.
    const runs = (await count()) - before;
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);
    expect(await cell.locator(".cm-content").innerText()).toContain(`{rate=${value}}`);
    expect(await stdout().innerText()).not.toContain(loanPayment(0.05));
    // The controls stayed through the rerun (the outputs were cleared and came back).
    expect(await control("rate").locator('input[type="range"]').count()).toBe(1);
    expect(ui.model.chatRequests).toHaveLength(1);
    await ui.screenshot("jupyterlab-parameters-02-slider-moved");

    await control("show_total").locator('input[type="checkbox"]').check();
    await ranWith("total ");
    expect(await cell.locator(".cm-content").innerText()).toContain("{show_total=True}");
    expect(ui.model.chatRequests).toHaveLength(1);

    // Saved, the file holds the values its outputs came from.
    await ui.page.locator(`${NOTEBOOK} .jp-Toolbar [data-command="docmanager:save"]`).click();
    const deadline = Date.now() + 30_000;
    let source = "";
    let text = "";
    while (Date.now() < deadline) {
      // jupyter_server's atomic writing writes the file in place (keeping a copy aside until it is
      // done): a read during a save can see half a file, so one that does not parse is read again.
      let saved: { cells: { source: string | string[]; outputs: { text?: string | string[] }[] }[] };
      try {
        saved = JSON.parse(readFileSync(join(root, FILE), "utf8")) as typeof saved;
      } catch {
        await new Promise((ok) => setTimeout(ok, 100));
        continue;
      }
      source = [saved.cells[0]!.source].flat().join("");
      text = saved.cells[0]!.outputs.map((o) => [o.text ?? ""].flat().join("")).join("");
      if (source.includes("{show_total=True}") && text.includes("total")) break;
      await new Promise((ok) => setTimeout(ok, 250));
    }
    expect(source).toContain(`{rate=${value}}`);
    expect(source).toContain("{show_total=True}");
    expect(text).toContain(`payment ${loanPayment(Number(value))}`);
    await ui.screenshot("jupyterlab-parameters-03-checkbox");
  }, 180_000);

  it("keys on the slider and in the number box stay out of JupyterLab's shortcuts; five steps rerun once or twice, the last value's result", async () => {
    const before = await count();
    const cells = await ui.page.locator(`${NOTEBOOK} .jp-Notebook .jp-Cell`).count();
    const start = Number(await control("rate").locator('input[name="rate"]').inputValue());
    await control("rate").locator('input[type="range"]').focus();
    for (let i = 0; i < 5; i++) await ui.page.keyboard.press("ArrowRight");
    const value = await control("rate").locator('input[name="rate"]').inputValue();
    expect(Number(value)).toBeCloseTo(start + 0.005, 10);
    await cell.locator(".cm-content", { hasText: `{rate=${value}}` }).waitFor({ timeout: 60_000 });
    await ranWith(`payment ${loanPayment(Number(value))}`);
    const runs = (await count()) - before;
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);

    // Typed in the box: in command mode the digit 1 would make the cell a markdown heading.
    const box = control("rate").locator('input[name="rate"]');
    await box.click();
    await box.press("Control+a");
    await ui.page.keyboard.type("0.0612");
    await ui.page.keyboard.press("Enter");
    await ranWith(`payment ${loanPayment(0.0612)}`);
    expect(await cell.locator(".cm-content").innerText()).toContain("{rate=0.0612}");
    expect(await ui.page.locator(`${NOTEBOOK} .jp-Notebook .jp-Cell`).count()).toBe(cells);
    expect(ui.model.chatRequests).toHaveLength(1);
  }, 120_000);

  it("once the task's words change, the controls are off and say a run asks the model", async () => {
    const before = await count();
    await cell.locator(".cm-content").click();
    await ui.page.keyboard.press("Control+End");
    await ui.page.keyboard.type(", rounded up");
    const note = cell.locator(".luci-jl-params .param-note");
    await note.filter({ hasText: "words changed" }).waitFor({ timeout: 10_000 });
    expect(await note.innerText()).toMatch(/The task's words changed since its code was recorded: run the cell/);
    expect(await control("rate").locator('input[type="range"]').isDisabled()).toBe(true);
    expect(await control("show_total").locator('input[type="checkbox"]').isDisabled()).toBe(true);
    await ui.page.waitForTimeout(1_000);
    expect(await count()).toBe(before);
    expect(ui.model.chatRequests).toHaveLength(1);
    await ui.screenshot("jupyterlab-parameters-04-task-changed");
  }, 90_000);

  it("back to the recorded words, the controls are on again, and they follow JupyterLab's dark theme", async () => {
    for (let i = 0; i < ", rounded up".length; i++) await ui.page.keyboard.press("Backspace");
    await cell.locator(".luci-jl-params .cell-params:not(.params-off)").waitFor({ timeout: 10_000 });
    expect(await control("rate").locator('input[type="range"]').isDisabled()).toBe(false);
    await ui.page.keyboard.press("Escape");
    await ui.page.locator(".lm-MenuBar-itemLabel", { hasText: "Settings" }).click();
    await ui.page.locator(".lm-Menu-itemLabel", { hasText: /^Theme$/ }).hover();
    await ui.page.locator(".lm-Menu-itemLabel", { hasText: /^JupyterLab Dark$/ }).click();
    await ui.page.locator('body[data-jp-theme-light="false"]').waitFor({ state: "attached", timeout: 30_000 });
    await ui.page.locator("#jupyterlab-splash").waitFor({ state: "detached", timeout: 30_000 });
    const colours = await ui.page.evaluate<{ field: string; text: string }>(
      `(() => {
        const field = document.querySelector('.luci-jl-params .param-field[data-name="rate"]');
        return { field: getComputedStyle(field).backgroundColor, text: getComputedStyle(field.querySelector("input.param-box")).color };
      })()`,
    );
    // Drawn with the theme's colours: a dark field with light text.
    const light = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
      return (r! + g! + b!) / 3 > 128;
    };
    expect(light(colours.field), colours.field).toBe(false);
    expect(light(colours.text), colours.text).toBe(true);
    await ui.screenshot("jupyterlab-parameters-05-dark");
  }, 60_000);
});
