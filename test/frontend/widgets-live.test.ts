// ipywidgets live on the page, over the kernel's comms: a Luci kernel in a notebook venv (the
// import cascade installs ipywidgets from PyPI) shows an IntSlider; moving it in Chromium with
// the keyboard reaches Python (print(s.value)); `interact` shows its function's output under its
// slider and redraws it when the slider moves (the Output widget captures by msg_id); a restart
// closes the views without a page error, and a widget made after it works. Screenshots
// widgets-live-*.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, usePage } from "./support/browser.js";
import { runPython } from "./support/cells.js";
import { usePageServer } from "./support/page-server.js";

// An empty folder; a venv of each notebook's own, so the import cascade installs ipywidgets into it.
const served = usePageServer({ notebooks: "none", token: "widgets-live-token", executor: "venv" });
const ui = usePage("widgets-live", { width: 1280, height: 1000 });
/** The cell that shows `s`, the first slider. */
let sliderCell: Locator;

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist", "frontend", "widgets.css"))) throw new Error("dist/frontend is not built with the widgets: run npm run build");
});

/** How many widget view outputs the saved notebook holds. */
function widgetViewsSaved(): number {
  const notebook = readdirSync(served.root).find((name) => name.endsWith(".ipynb"));
  return notebook ? readFileSync(join(served.root, notebook), "utf8").split('"application/vnd.jupyter.widget-view+json"').length - 1 : 0;
}

/** How many widget models the saved notebook's metadata.widgets holds. */
function savedWidgetModels(): number {
  const notebook = readdirSync(served.root).find((name) => name.endsWith(".ipynb"));
  if (!notebook) return 0;
  const { metadata } = JSON.parse(readFileSync(join(served.root, notebook), "utf8")) as { metadata?: { widgets?: Record<string, { state?: object }> } };
  return Object.keys(metadata?.widgets?.["application/vnd.jupyter.widget-state+json"]?.state ?? {}).length;
}

/** Presses a key on a slider's handle (noUiSlider moves by one step per arrow key). */
async function press(slider: Locator, key: string, times: number): Promise<void> {
  await slider.locator(".noUi-handle").focus();
  for (let i = 0; i < times; i++) await ui.page.keyboard.press(key);
}

describe("ipywidgets over the kernel's comms", () => {
  it("shows an IntSlider as a slider, not its text", async () => {
    await ui.page.goto(served.server.url);
    await ui.page.click(".new-notebook");
    await ui.page.waitForURL(/\/notebooks\/.+\.ipynb$/);
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 60_000 });
    // The first import installs ipywidgets (and comm) into the notebook's venv.
    const cell = await runPython(ui.page, "import ipywidgets as w\ns = w.IntSlider(value=3, max=10)\ns", { timeout: 300_000 });
    sliderCell = cell;
    const slider = cell.locator(".widget-slider");
    await slider.waitFor({ timeout: 30_000 });
    expect(await slider.locator(".widget-readout").innerText()).toBe("3");
    expect(await cell.locator(".cell-outputs").innerText()).not.toContain("IntSlider(");
    await ui.screenshot("widgets-live-slider");
  }, 360_000);

  it("a slider moved on the page (keys, then the mouse) is the value Python reads", async () => {
    const slider = sliderCell.locator(".widget-slider");
    await press(slider, "ArrowRight", 2);
    await slider.locator(".widget-readout", { hasText: /^5$/ }).waitFor();
    // The update went out as a comm_msg; the kernel handles it before the next cell.
    const cell = await runPython(ui.page, "print(s.value)");
    expect((await cell.locator(".output-stdout").innerText()).trim()).toBe("5");

    // With the mouse: the handle dragged past the track's right end is the maximum.
    const handle = await slider.locator(".noUi-handle").boundingBox();
    const track = await slider.locator(".noUi-target").boundingBox();
    if (!handle || !track) throw new Error("the slider is not laid out");
    await ui.page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await ui.page.mouse.down();
    await ui.page.mouse.move(track.x + track.width + 40, handle.y + handle.height / 2, { steps: 8 });
    await ui.page.mouse.up();
    await slider.locator(".widget-readout", { hasText: /^10$/ }).waitFor();
    const dragged = await runPython(ui.page, "print(s.value)");
    expect((await dragged.locator(".output-stdout").innerText()).trim()).toBe("10");
  });

  it("a value set in Python moves the slider on the page", async () => {
    await runPython(ui.page, "s.value = 8");
    await sliderCell.locator(".widget-readout", { hasText: /^8$/ }).waitFor({ timeout: 10_000 });
  });

  it("interact shows its function's output under the slider and redraws it when the slider moves", async () => {
    const cell = await runPython(ui.page, "def show(n):\n    print('n is', n)\nw.interact(show, n=w.IntSlider(value=2, max=9));");
    const box = cell.locator(".widget-interact");
    await box.waitFor({ timeout: 30_000 });
    const captured = box.locator(".widget-output .output-stdout");
    await captured.filter({ hasText: "n is 2" }).waitFor({ timeout: 10_000 });
    await press(box.locator(".widget-slider"), "ArrowRight", 1);
    await captured.filter({ hasText: "n is 3" }).waitFor({ timeout: 10_000 });
    // Captured into the Output widget, not the cell: one print shown, the latest.
    expect((await captured.innerText()).trim()).toBe("n is 3");
    expect(await cell.locator(".cell-outputs > .output-stdout").count()).toBe(0);
    await ui.screenshot("widgets-live-interact");
  });

  it("a dropdown and a text box changed on the page are Python's values", async () => {
    const cell = await runPython(ui.page, "d = w.Dropdown(options=['red', 'green', 'blue'], value='red')\nbox = w.Text(value='hi')\nw.VBox([d, box])");
    const select = cell.locator(".widget-dropdown select");
    await select.waitFor({ timeout: 30_000 });
    await select.selectOption("blue");
    await cell.locator(".widget-text input").fill("typed here");
    const check = await runPython(ui.page, "print(d.value, box.value)");
    expect((await check.locator(".output-stdout").innerText()).trim()).toBe("blue typed here");
    await ui.screenshot("widgets-live-dropdown-text");
  });

  it("a page reloaded on the running kernel draws its widgets live again, from the kernel's states", async () => {
    await ui.page.click('.tool[data-action="save"]');
    await expect.poll(() => widgetViewsSaved(), { timeout: 10_000 }).toBe(3);
    await ui.page.reload();
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    // The page asked the kernel for its widgets (the jupyter.widget.control comm, as JupyterLab
    // does). sliderCell finds the cell by its id, which the saved notebook kept.
    const slider = sliderCell.locator(".widget-slider");
    await slider.waitFor({ timeout: 30_000 });
    expect(await slider.locator(".widget-readout").innerText()).toBe("8");
    await press(slider, "ArrowLeft", 1);
    const cell = await runPython(ui.page, "print(s.value)");
    expect((await cell.locator(".output-stdout").innerText()).trim()).toBe("7");
    // interact's box, its output as Python last wrote it.
    const box = ui.page.locator(".notebook .widget-interact");
    await box.locator(".widget-output .output-stdout", { hasText: "n is 3" }).waitFor({ timeout: 10_000 });
    await ui.screenshot("widgets-live-reloaded");
  });

  it("a restart closes the views cleanly, and a new widget works", async () => {
    await ui.page.click('.tool[data-action="restart"]');
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    await sliderCell.locator(".widget-closed").waitFor({ timeout: 10_000 });
    expect(await sliderCell.locator(".widget-slider").count()).toBe(0);
    const cell = await runPython(ui.page, "import ipywidgets as w\nt = w.IntSlider(value=1, max=4)\nt");
    const slider = cell.locator(".widget-slider");
    await slider.waitFor({ timeout: 30_000 });
    await press(slider, "ArrowRight", 1);
    const check = await runPython(ui.page, "print(t.value)");
    expect((await check.locator(".output-stdout").innerText()).trim()).toBe("2");
    await ui.screenshot("widgets-live-restarted");

    // Saved by the page with its widgets' state (metadata.widgets, as JupyterLab saves it) and
    // reopened: the old kernel's widgets draw from the saved state, the new kernel's live.
    await ui.page.click('.tool[data-action="save"]');
    await expect.poll(() => savedWidgetModels(), { timeout: 10_000 }).toBeGreaterThan(3);
    await ui.page.reload();
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    await sliderCell.locator(".widget-slider .widget-readout", { hasText: /^7$/ }).waitFor({ timeout: 30_000 });
    await ui.page.locator(".notebook .widget-interact .widget-output .output-stdout", { hasText: "n is 3" }).waitFor({ timeout: 10_000 });
    await cell.locator(".widget-slider .widget-readout", { hasText: /^2$/ }).waitFor({ timeout: 10_000 });
    await ui.screenshot("widgets-live-reopened");
    // Nothing logged either: the kernel publishes no comm_close on a restart (as ipykernel), so
    // @jupyterlab/services, which dropped its comms for it, logs no "Comm not found".
    expect(ui.errors).toEqual([]);
  });

  it("a kernel that dies closes the views; Restart brings a kernel whose widgets work", async () => {
    const cell = await runPython(ui.page, "u = w.IntSlider(value=2, max=5)\nu");
    await cell.locator(".widget-slider").waitFor({ timeout: 30_000 });
    // The worker kills its parent, the kernel process, as the out-of-memory killer might.
    await runPython(ui.page, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", { wait: false });
    await ui.page.locator('.kernel-status[data-state="dead"]').waitFor({ timeout: 30_000 });
    await cell.locator(".widget-closed").waitFor({ timeout: 10_000 });
    await ui.page.click('.tool[data-action="restart"]');
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 60_000 });
    const again = await runPython(ui.page, "import ipywidgets as w\nv = w.IntSlider(value=1, max=4)\nv");
    const slider = again.locator(".widget-slider");
    await slider.waitFor({ timeout: 30_000 });
    await press(slider, "ArrowRight", 2);
    const check = await runPython(ui.page, "print(v.value)");
    expect((await check.locator(".output-stdout").innerText()).trim()).toBe("3");
    await ui.screenshot("widgets-live-after-death");
    expect(ui.errors).toEqual([]);
  }, 120_000);
});
