// ipywidgets with Luci's kernel in real JupyterLab (from .venv, with the widgets frontend of the
// `jupyterlab_widgets` package that .ci/requirements.txt installs there), driven in Chromium: a
// Luci notebook in a venv of its own (the import cascade installs ipywidgets from PyPI, as for a
// user) shows an IntSlider as JupyterLab's slider, not its text; the slider moved with the
// keyboard is the value Python reads; `interact` shows its function's output under its slider
// and redraws it when the slider moves; after a restart (JupyterLab's toolbar and dialog) the
// old views show as disconnected and a new widget works; when the Python worker dies under a
// living kernel, its widgets close and the next one works. The page logs no error at all: the
// same test with ipykernel logs none either (Luci's kernel used to publish a comm_close per comm
// on a restart, which JupyterLab logged as "Comm not found"; it no longer does).
// Screenshots: test-results/screenshots/jupyterlab-widgets-*.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../frontend/support/browser.js";
import { newLuciNotebook, useLab } from "./support/lab.js";

/** The notebook JupyterLab shows. */
const NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)";
const WIDGETS_FRONTEND = join(ROOT, ".venv", "share", "jupyter", "labextensions", "@jupyter-widgets", "jupyterlab-manager");
/** The cell that shows `s`, the first slider. */
let sliderCell: Locator;

beforeAll(() => {
  if (!existsSync(join(WIDGETS_FRONTEND, "package.json")))
    throw new Error("JupyterLab's widgets frontend is not in .venv: .venv/bin/pip install jupyterlab_widgets (.ci/requirements.txt has it)");
});

const ui = useLab("jupyterlab-widgets", {
  folder: mkdtempSync(join(tmpdir(), "luci-labwidgets-")),
  viewport: { width: 1360, height: 1000 },
  // A venv of the notebook's own, so the import cascade installs ipywidgets into it.
  executor: "venv",
  env: { LUCI_LOG_LEVEL: "debug" }, // every request the kernel receives, shown if a test fails
});

/** The `n`th cell of the notebook shown. */
const cellAt = (n: number) => ui.page.locator(`${NOTEBOOK} .jp-Notebook .jp-Cell`).nth(n);

/**
 * Puts `code` into the `n`th cell (as a paste would: no auto-closed brackets) and runs it with
 * Shift-Enter, which also makes the next cell; resolves once the cell has run ([n], not [*]).
 * JupyterLab sometimes sends nothing for the first Shift-Enter in a new notebook (support/lab.ts,
 * runTypedTask): the key is pressed again then, never once the cell started.
 */
async function runCode(n: number, code: string, timeout = 30_000): Promise<Locator> {
  const cell = cellAt(n);
  const editor = cell.locator(".cm-content");
  await editor.click();
  await ui.page.keyboard.insertText(code);
  expect(await editor.innerText()).toBe(code);
  const started = cell.locator(".jp-InputPrompt", { hasText: /\[(\*|\d+)\]/ });
  for (let attempt = 1; ; attempt++) {
    await ui.page.keyboard.press("Shift+Enter");
    try {
      await started.waitFor({ timeout: 5_000 });
      break;
    } catch {
      if (attempt === 3) throw new Error("JupyterLab did not run the cell after three Shift-Enter presses");
      await cell.locator(".jp-InputPrompt").click();
    }
  }
  await cell.locator(".jp-InputPrompt", { hasText: /\[\d+\]/ }).waitFor({ timeout });
  return cell;
}

/** What a cell printed (its stdout outputs, not those inside a widget). */
const printed = async (cell: Locator) =>
  (await cell.locator(".jp-Cell-outputArea > .jp-OutputArea-child > [data-mime-type='application/vnd.jupyter.stdout']").allInnerTexts()).join("").trim();

/** Presses a key on a slider's handle (noUiSlider moves by one step per arrow key). */
async function press(slider: Locator, key: string, times: number): Promise<void> {
  await slider.locator(".noUi-handle").focus();
  for (let i = 0; i < times; i++) await ui.page.keyboard.press(key);
}

describe("ipywidgets in JupyterLab with Luci's kernel", () => {
  it("shows an IntSlider as a slider, not its text", async () => {
    await ui.page.goto(ui.lab.url);
    await newLuciNotebook(ui.page);
    // The first import installs ipywidgets (and comm) into the notebook's venv.
    sliderCell = await runCode(0, "import ipywidgets as widgets; s = widgets.IntSlider(value=3, min=0, max=10); s", 300_000);
    const slider = sliderCell.locator(".jp-OutputArea-output .widget-slider");
    await slider.waitFor({ timeout: 30_000 });
    expect(await slider.locator(".widget-readout").innerText()).toBe("3");
    expect(await sliderCell.locator(".jp-Cell-outputArea").innerText()).not.toContain("IntSlider(");
    await ui.screenshot("jupyterlab-widgets-01-slider");
  }, 360_000);

  it("a slider moved in the browser is the value Python reads", async () => {
    const slider = sliderCell.locator(".widget-slider");
    await press(slider, "ArrowRight", 2);
    await slider.locator(".widget-readout", { hasText: /^5$/ }).waitFor({ timeout: 10_000 });
    expect(await printed(await runCode(1, "print(s.value)"))).toBe("5");
    await press(slider, "End", 1);
    await slider.locator(".widget-readout", { hasText: /^10$/ }).waitFor({ timeout: 10_000 });
    expect(await printed(await runCode(2, "print(s.value)"))).toBe("10");
    // And back: a value set in Python moves the slider.
    await runCode(3, "s.value = 8");
    await slider.locator(".widget-readout", { hasText: /^8$/ }).waitFor({ timeout: 10_000 });
    await ui.screenshot("jupyterlab-widgets-02-moved");
  }, 90_000);

  it("interact shows its function's output under the slider and redraws it when the slider moves", async () => {
    const cell = await runCode(4, "def show(n):\n    print('n is', n)\nwidgets.interact(show, n=widgets.IntSlider(value=2, max=9));");
    const box = cell.locator(".widget-interact");
    await box.waitFor({ timeout: 30_000 });
    const captured = box.locator(".widget-output [data-mime-type='application/vnd.jupyter.stdout']");
    await captured.filter({ hasText: "n is 2" }).waitFor({ timeout: 10_000 });
    await press(box.locator(".widget-slider"), "ArrowRight", 1);
    await captured.filter({ hasText: "n is 3" }).waitFor({ timeout: 10_000 });
    // Captured into the Output widget, not the cell: one print shown, the latest.
    expect((await captured.allInnerTexts()).join("").trim()).toBe("n is 3");
    expect(await printed(cell)).toBe("");
    await cell.scrollIntoViewIfNeeded();
    await ui.screenshot("jupyterlab-widgets-03-interact");
  }, 90_000);

  it("after a restart, a new widget works and the old views break nothing", async () => {
    await ui.page.locator(`${NOTEBOOK} .jp-Toolbar [data-command="notebook:restart-kernel"]`).click();
    await ui.page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click();
    await ui.page.locator(`${NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']`).waitFor({ timeout: 60_000 });
    // The dead kernel's views stay, marked disconnected (JupyterLab's widget manager does so).
    await sliderCell.locator(".widget-slider.jupyter-widgets-disconnected").waitFor({ timeout: 10_000 });
    const cell = await runCode(5, "import ipywidgets as widgets\nt = widgets.IntSlider(value=1, max=4)\nt", 60_000);
    const slider = cell.locator(".widget-slider");
    await slider.waitFor({ timeout: 30_000 });
    await press(slider, "ArrowRight", 2);
    await slider.locator(".widget-readout", { hasText: /^3$/ }).waitFor({ timeout: 10_000 });
    expect(await printed(await runCode(6, "print(t.value)"))).toBe("3");
    await cell.scrollIntoViewIfNeeded();
    await ui.screenshot("jupyterlab-widgets-04-restarted");
    expect(await cell.locator(".jupyter-widgets-disconnected").count()).toBe(0);
    expect(ui.errors).toEqual([]);
  }, 120_000);

  it("when the Python worker dies under the kernel, its widgets close and a new one works", async () => {
    const old = cellAt(5);
    // Killed as the out-of-memory killer might; the kernel stays up and says what happened.
    const killed = await runCode(7, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)", 60_000);
    expect(await killed.locator(".jp-Cell-outputArea").innerText()).toContain("WorkerCrashed");
    // The kernel closed the worker's comms on the clients: JupyterLab removes their views.
    await expect.poll(() => old.locator(".widget-slider").count(), { timeout: 10_000 }).toBe(0);
    const cell = await runCode(8, "import ipywidgets as widgets\nu = widgets.IntSlider(value=4, max=6)\nu", 60_000);
    const slider = cell.locator(".widget-slider");
    await slider.waitFor({ timeout: 30_000 });
    await press(slider, "ArrowLeft", 3);
    await slider.locator(".widget-readout", { hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    expect(await printed(await runCode(9, "print(u.value)"))).toBe("1");
    await cell.scrollIntoViewIfNeeded();
    await ui.screenshot("jupyterlab-widgets-05-worker-died");
    expect(ui.errors).toEqual([]);
  }, 120_000);
});
