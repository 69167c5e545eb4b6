// A task cell in real JupyterLab with no Luci extension (disabled in this run's page_config, so
// an extension installed in .venv does not stand in), driven in Chromium against the fake model
// server: what JupyterLab makes of the kernel's plain outputs, the text/markdown beside the
// application/vnd.luci.*+json data. The code is a python block JupyterLab highlights itself,
// a passed validation is folded, the record line says what it is; while the answer streams
// slowly the plan's steps and the code appear in place, and an interrupt leaves the note and the
// code that had come, folded. Screenshots go to test-results/screenshots/.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { codeAnswer } from "../support/fake-model-server.js";
import { newLuciNotebook, runTypedTask, useLab } from "./support/lab.js";

const NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)";
const SUM_CODE = "numbers = [3, 4, 5]\ntotal = sum(numbers)\nprint('total is', total)";
const SUM_PLAN = { steps: [{ action: "Make the list of numbers" }, { action: "Add them up and print the total" }] };
const LONG_CODE = Array.from({ length: 60 }, (_, i) => `value_${i} = ${i} * 2`).join("\n");

/** What the test reads of an element in the page (the tests are compiled without the DOM's types). */
interface PageElement {
  textContent: string | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}
declare function getComputedStyle(element: PageElement): { color: string };

const temp = mkdtempSync(join(tmpdir(), "luci-lab-plain-"));

beforeAll(() => {
  // JupyterLab as someone without Luci's extension sees it.
  const labconfig = join(temp, "jupyter-config", "labconfig");
  mkdirSync(labconfig, { recursive: true });
  writeFileSync(join(labconfig, "page_config.json"), JSON.stringify({ disabledExtensions: { "luci-jupyterlab": true } }));
});

const ui = useLab("jupyterlab-plain", { folder: temp, viewport: { width: 1360, height: 1000 }, env: { LUCI_LOG_LEVEL: "debug" } });

/** The cell's output that holds this text. */
function output(cell: Locator, text: string | RegExp): Locator {
  return cell.locator(".jp-OutputArea-output").filter({ hasText: text });
}

describe("Luci's plain outputs in JupyterLab with no extension", () => {
  it("shows the code as a highlighted python block, a passed validation folded and the record line", async () => {
    await ui.page.goto(ui.lab.url);
    ui.model.enqueue({ ...codeAnswer({ plan: SUM_PLAN, code: SUM_CODE }), when: (r) => JSON.stringify(r.messages).includes("Add three numbers") });
    const cell = await newLuciNotebook(ui.page);
    await runTypedTask(ui.page, cell, "Add three numbers and print the total");
    await output(cell, "total is 12").first().waitFor({ timeout: 60_000 });
    // No renderer of Luci's own drew these.
    expect(await cell.locator(".luci-jl, .luci-panel").count()).toBe(0);

    // The plan, from the markdown: a list.
    const plan = output(cell, /^Plan ·/);
    expect(await plan.locator("ol li").allInnerTexts()).toEqual(["Make the list of numbers", "Add them up and print the total"]);

    // The code: JupyterLab's own highlighting of the python block.
    const code = output(cell, /^Code · from fake-coder · 5 lines/);
    const block = code.locator("pre code.language-python");
    expect(await block.innerText()).toContain("total = sum(numbers)");
    // The colours the page computed: the block's text and each highlighted span's.
    const { plain: plainColor, spans: highlighted } = await block.evaluate((node: PageElement) => ({
      plain: getComputedStyle(node).color,
      spans: Array.from(node.querySelectorAll("span")).map((span) => ({ text: span.textContent, color: getComputedStyle(span).color })),
    }));
    const colorOf = (text: string) => highlighted.find((s) => s.text?.startsWith(text))?.color;
    expect(highlighted.length, JSON.stringify(highlighted)).toBeGreaterThan(3);
    // A comment, a string and a number each in a colour of their own, not the text's.
    for (const token of ["# Make the list", "'total is'", "3"]) {
      expect(colorOf(token), `${token} in ${JSON.stringify(highlighted)}`).toBeDefined();
      expect(colorOf(token), token).not.toBe(plainColor);
    }

    // Validation passed: folded, its summary saying so.
    const validation = cell.locator(".jp-OutputArea-output details").filter({ hasText: "Validation: score 1.00" });
    expect(await validation.count()).toBe(1);
    expect(await validation.getAttribute("open")).toBeNull();
    expect(await validation.locator("summary").innerText()).toBe("Validation: score 1.00 (threshold 0.80), passed · no issues");

    // The record line.
    const record = output(cell, /^Recorded code/);
    expect(await record.innerText()).toMatch(/^Recorded code — reruns without a model; signed by you \(.+@.+\), \d{4}-\d{2}-\d{2} · 5 lines from fake-coder$/);
    await cell.scrollIntoViewIfNeeded();
    await ui.screenshot("jupyterlab-plain-01-task-outputs");
  }, 150_000);

  it("shows the plan and code forming while the answer streams; an interrupt leaves the note and the code that came, folded", async () => {
    // Slow: about 8 characters every 120 ms.
    ui.model.enqueue({
      ...codeAnswer({ plan: { steps: [{ action: "Set the values" }, { action: "Double each of them" }] }, code: LONG_CODE }),
      chunkSize: 8,
      chunkDelayMs: 120,
      when: (r) => JSON.stringify(r.messages).includes("Set sixty doubled values"),
    });
    const cell = ui.page.locator(`${NOTEBOOK} .jp-Notebook .jp-Cell`).nth(1);
    await cell.locator(".cm-content").waitFor({ timeout: 30_000 });
    await runTypedTask(ui.page, cell, "Set sixty doubled values");

    // While it streams: the first step as a list item, then code lines arriving in a python block.
    const streaming = output(cell, /^Asking fake-coder…/);
    await streaming.locator("ol li").filter({ hasText: "Set the values" }).waitFor({ timeout: 60_000 });
    await streaming.locator("pre code.language-python").filter({ hasText: "value_3 = 3 * 2" }).waitFor({ timeout: 60_000 });
    const before = await streaming.locator("pre code").innerText();
    expect(before).not.toContain("```");
    await cell.scrollIntoViewIfNeeded();
    await ui.screenshot("jupyterlab-plain-02-streaming");
    // It grows in place: later lines come into the same output.
    await streaming.locator("pre code").filter({ hasText: "value_6 = 6 * 2" }).waitFor({ timeout: 60_000 });
    expect(
      await cell
        .locator(".jp-OutputArea-output")
        .filter({ hasText: /^Asking fake-coder…/ })
        .count(),
    ).toBe(1);

    await ui.page.locator(`${NOTEBOOK} .jp-Toolbar [data-command="notebook:interrupt-kernel"]`).click();
    const note = output(cell, /^Interrupted while the model was writing; \d+ lines of code had come\./);
    await note.waitFor({ timeout: 60_000 });
    const lines = Number(/; (\d+) lines of code/.exec(await note.innerText())![1]);
    expect(lines).toBeGreaterThanOrEqual(8);
    expect(lines).toBeLessThan(61);
    const fold = note.locator("details");
    expect(await fold.getAttribute("open")).toBeNull();
    expect(await fold.locator("summary").innerText()).toBe(`The code as far as it came (${lines} lines)`);
    // The folded code is what had come, highlighted, and no raw answer is left in the cell.
    const partial = (await fold.locator("pre code.language-python").textContent()) ?? "";
    expect(partial.split("\n").filter((l) => l.trim()).length).toBe(lines);
    expect(partial).toContain("value_0 = 0 * 2");
    expect(await cell.locator(".jp-OutputArea-output").allInnerTexts()).not.toContain("```python");
    expect(await output(cell, "KeyboardInterrupt").count()).toBeGreaterThan(0);
    await fold.locator("summary").click();
    await cell.scrollIntoViewIfNeeded();
    await ui.screenshot("jupyterlab-plain-03-interrupted");
  }, 150_000);
});
