// The page as an editor, in Debian's Chromium against `luci serve`: every cell is CodeMirror
// (Python highlighted and indented by 4 spaces, tasks plain and wrapped, no line numbers, undo
// and redo, bracket matching), the page's keys still work inside it, a cell's label follows the
// kernel's rule as it is typed, the notebook saves itself (on a timer while dirty, and after each
// run; a failed save is shown), and an empty cell's placeholder is whole. Screenshots of each
// state go to test-results/screenshots/editor-*.png.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { screenshot, usePage } from "./support/browser.js";
import { usePageServer } from "./support/page-server.js";

const served = usePageServer();
const ui = usePage("editor", { width: 1280, height: 900 });

const cells = () => ui.page.locator(".notebook > .cell");
const selected = () => ui.page.locator(".notebook > .cell.cell-selected");

/** A notebook of code cells, written into the served folder. */
function writeNotebook(name: string, sources: string[]): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" } },
    cells: sources.map((source, i) => ({ id: `c${i}`, cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
  };
  writeFileSync(join(served.root, name), JSON.stringify(nb));
}

function savedSources(name: string): string[] {
  const nb = JSON.parse(readFileSync(join(served.root, name), "utf8")) as { cells: { source: string[] | string }[] };
  return nb.cells.map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
}

async function open(target: Page, name: string): Promise<void> {
  await target.goto(`${served.server.baseUrl}notebooks/${name}?token=page-test-token`);
  await target.locator(".notebook > .cell").first().waitFor();
  await target.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
}

/**
 * Runs `body` in `target` with `cell` bound to the n-th cell's element. Code for the page is a
 * string: the tests' TypeScript has no DOM.
 */
function inCell<T>(n: number, body: string, target: Page = ui.page): Promise<T> {
  return target.evaluate<T>(`(() => { const cell = document.querySelectorAll(".notebook > .cell")[${n}]; ${body} })()`);
}

/** The n-th cell's text, line by line as CodeMirror holds it (an empty editor shows its placeholder instead). */
async function textOf(cell: Locator): Promise<string> {
  if ((await cell.locator(".cm-placeholder").count()) > 0) return "";
  const lines = await cell.locator(".cm-line").allTextContents();
  return lines.join("\n");
}

/** Replaces the selected cell's text as a paste would (no auto-indent on the way in). */
async function replaceText(text: string): Promise<void> {
  await ui.page.keyboard.press("Control+a");
  if (text) await ui.page.keyboard.insertText(text);
  else await ui.page.keyboard.press("Backspace");
}

beforeAll(async () => {
  // The timer is off on this page, so that a save it sees came after a run.
  await ui.page.addInitScript(`window.localStorage.setItem("luci-autosave-interval", "0")`);
}, 60_000);

describe("the cell editor", () => {
  it("is CodeMirror in every cell: Python highlighted, tasks plain and wrapped, no line numbers", async () => {
    writeNotebook("editor.ipynb", [
      "def area(r):\n    # a circle's area\n    return 3.14 * r ** 2",
      "Plot the area of circles with a radius of 1 to 10, one point per radius, with a title and labelled axes, in a figure wide enough to read",
    ]);
    await open(ui.page, "editor.ipynb");
    expect(await ui.page.locator(".notebook .cm-editor.cell-editor").count()).toBe(2);
    expect(await ui.page.locator(".notebook .cm-gutters, .notebook .cm-lineNumbers").count()).toBe(0);
    const python = cells().nth(0);
    const task = cells().nth(1);
    expect(await python.getAttribute("data-kind")).toBe("python");
    expect(await task.getAttribute("data-kind")).toBe("task");
    // Python: `def` and the comment are coloured tokens, not the text's own colour.
    const colours = await inCell<{ plain: string; def: string; comment: string }>(
      0,
      `const content = cell.querySelector(".cm-content");
      const plain = getComputedStyle(content).color;
      const spans = [...content.querySelectorAll(".cm-line span")];
      const colourOf = (text) => {
        const span = spans.find((s) => s.textContent === text);
        return span ? getComputedStyle(span).color : "none";
      };
      return { plain, def: colourOf("def"), comment: colourOf("# a circle's area") };`,
    );
    expect(colours.def).not.toBe("none");
    expect(colours.def).not.toBe(colours.plain);
    expect(colours.comment).not.toBe("none");
    expect(colours.comment).not.toBe(colours.plain);
    // A task: no tokens, and long lines wrap (one line of text, several rows on screen).
    expect(await task.locator(".cm-line span").count()).toBe(0);
    expect(await task.locator(".cm-content.cm-lineWrapping").count()).toBe(1);
    expect(await python.locator(".cm-content.cm-lineWrapping").count()).toBe(0);
    expect(await task.locator(".cm-line").count()).toBe(1);
    const height = await inCell<number>(
      1,
      `const line = cell.querySelector(".cm-line"); return line.getBoundingClientRect().height / parseFloat(getComputedStyle(line).lineHeight);`,
    );
    expect(height).toBeGreaterThan(1.5);
    await ui.screenshot("editor-01-highlighting");
  });

  it("indents Python by 4 spaces, matches brackets, undoes and redoes", async () => {
    await cells().nth(0).locator(".cm-content").click();
    const before = await textOf(cells().nth(0));
    await replaceText("");
    await ui.page.keyboard.type("if True:");
    await ui.page.keyboard.press("Enter");
    await ui.page.keyboard.type("x = (1 + 2) * 3");
    const cell = cells().nth(0);
    expect(await textOf(cell)).toBe("if True:\n    x = (1 + 2) * 3");
    // Tab indents by 4 more.
    await ui.page.keyboard.press("Home");
    await ui.page.keyboard.press("Tab");
    expect(await textOf(cell)).toBe("if True:\n        x = (1 + 2) * 3");
    // The cursor just after "(" marks it and its partner.
    await ui.page.keyboard.press("End");
    for (let i = 0; i < "1 + 2) * 3".length; i++) await ui.page.keyboard.press("ArrowLeft");
    expect(await cell.locator(".cm-matchingBracket").allInnerTexts()).toEqual(["(", ")"]);
    await ui.screenshot("editor-02-brackets");
    // Undo, step by step, back to the notebook's text; redo brings the new text back.
    const typed = await textOf(cell);
    for (let i = 0; i < 10 && (await textOf(cell)) !== before; i++) await ui.page.keyboard.press("Control+z");
    expect(await textOf(cell)).toBe(before);
    for (let i = 0; i < 10 && (await textOf(cell)) !== typed; i++) await ui.page.keyboard.press("Control+y");
    expect(await textOf(cell)).toBe(typed);
    // Typing over several selected lines replaces them (Chromium alone would leave an empty line).
    await ui.page.keyboard.press("Control+a");
    await ui.page.keyboard.type("z");
    expect(await textOf(cell)).toBe("z");
  });

  it("keeps the page's keys: Ctrl-Enter runs, Shift-Enter runs and advances, Esc and Enter switch modes", async () => {
    const first = cells().nth(0);
    await replaceText("print(6 * 7)");
    await ui.page.keyboard.press("Control+Enter");
    await first.locator(".output-stdout", { hasText: "42" }).waitFor({ timeout: 30_000 });
    // Run, not a new line; the cell keeps the focus.
    expect(await textOf(first)).toBe("print(6 * 7)");
    expect(await ui.page.locator(".cell-editing").count()).toBe(1);
    // Esc: command mode, the editor loses the focus.
    await ui.page.keyboard.press("Escape");
    expect(await ui.page.locator(".cell-editing").count()).toBe(0);
    expect(await ui.page.evaluate<boolean>(`document.activeElement.closest(".cm-editor") === null`)).toBe(true);
    // Enter: back into the editor.
    await ui.page.keyboard.press("Enter");
    expect(await ui.page.locator(".cell-editing").count()).toBe(1);
    expect(await ui.page.evaluate<boolean>(`document.activeElement.closest(".cm-editor") !== null`)).toBe(true);
    // Shift-Enter: runs and selects the next cell.
    await replaceText("print('shift', 6 * 7)");
    await ui.page.keyboard.press("Shift+Enter");
    await first.locator(".output-stdout", { hasText: "shift 42" }).waitFor({ timeout: 30_000 });
    expect(await textOf(first)).toBe("print('shift', 6 * 7)");
    expect(await selected().getAttribute("data-cell-id")).toBe(await cells().nth(1).getAttribute("data-cell-id"));
    await ui.screenshot("editor-03-keys");
    // Alt-Enter: runs and inserts a cell below; Ctrl-S in the editor saves.
    const count = await cells().count();
    await first.locator(".cm-content").click();
    await replaceText("print('alt', 6 * 7)");
    await ui.page.keyboard.press("Alt+Enter");
    await first.locator(".output-stdout", { hasText: "alt 42" }).waitFor({ timeout: 30_000 });
    expect(await cells().count()).toBe(count + 1);
    expect(await textOf(first)).toBe("print('alt', 6 * 7)");
    await ui.page.keyboard.insertText("print('saved with Ctrl-S')");
    expect(await ui.page.locator(".dirty-mark").isVisible()).toBe(true);
    await ui.page.keyboard.press("Control+s");
    await ui.page.locator(".dirty-mark").waitFor({ state: "hidden" });
    expect(savedSources("editor.ipynb")[1]).toBe("print('saved with Ctrl-S')");
  });
});

describe("the cell's label", () => {
  it("follows the kernel's rule as the text is typed, and the kernel runs the cell as labelled", async () => {
    // A new cell (B) is a task until its text says otherwise.
    await ui.page.keyboard.press("Escape");
    await ui.page.keyboard.press("b");
    const cell = selected();
    expect(await cell.getAttribute("data-kind")).toBe("task");
    await ui.page.keyboard.insertText("values = [1, 2, 3]");
    // The label follows once typing pauses.
    await ui.page.locator(`.cell[data-cell-id="${await cell.getAttribute("data-cell-id")}"][data-kind="python"]`).waitFor();
    await ui.page.keyboard.press("Control+Enter");
    await cell.locator(".cell-prompt", { hasText: /^\[\d+\]$/ }).waitFor({ timeout: 30_000 });

    await ui.page.keyboard.press("Escape");
    await ui.page.keyboard.press("b");
    const next = selected();
    const id = await next.getAttribute("data-cell-id");
    const labelled = (kind: string) => ui.page.locator(`.cell[data-cell-id="${id}"][data-kind="${kind}"]`);
    await ui.page.keyboard.type("plot the values");
    await labelled("task").locator(".cell-kind", { hasText: "Task" }).waitFor();
    // The page's old guess called this a task; Python's parser (and so the kernel) says Python.
    await replaceText("values[5]");
    await labelled("python").locator(".cell-kind", { hasText: "Python" }).waitFor();
    // Python being typed: labelled a task until it parses, highlighted and indented as Python throughout.
    await ui.page.keyboard.press("End");
    await ui.page.keyboard.type("\nfor v in values:");
    await labelled("task").waitFor();
    expect(await next.locator(".cm-content[data-language=python]").count()).toBe(1);
    await ui.page.keyboard.press("Enter");
    await ui.page.keyboard.type("print(v)");
    await labelled("python").waitFor();
    expect(await textOf(next)).toBe("values[5]\nfor v in values:\n    print(v)");
    await replaceText("values[5]");
    await ui.screenshot("editor-04-label-live");
    await ui.page.keyboard.press("Control+Enter");
    await next.locator(".output-error", { hasText: "IndexError" }).waitFor({ timeout: 30_000 });
    expect(await next.getAttribute("data-kind")).toBe("python");

    // T: the text gets the marker the kernel reads, so it runs as the task the label says.
    await ui.page.keyboard.press("Escape");
    await ui.page.keyboard.press("t");
    expect(await next.getAttribute("data-kind")).toBe("task");
    expect(await textOf(next)).toBe("%%task\nvalues[5]");
    // Y: the marker goes again.
    await ui.page.keyboard.press("y");
    expect(await next.getAttribute("data-kind")).toBe("python");
    expect(await textOf(next)).toBe("values[5]");
    await ui.screenshot("editor-05-label-chosen");
  }, 90_000);
});

describe("autosave", () => {
  it("saves after each run, with the title's mark cleared", async () => {
    writeNotebook("autosave-run.ipynb", [""]);
    await open(ui.page, "autosave-run.ipynb");
    await cells().nth(0).locator(".cm-content").click();
    await ui.page.keyboard.insertText("print('saved after the run')");
    expect(await ui.page.locator(".dirty-mark").isVisible()).toBe(true);
    await ui.page.keyboard.press("Control+Enter");
    await cells().nth(0).locator(".output-stdout", { hasText: "saved after the run" }).waitFor({ timeout: 30_000 });
    await ui.page.locator(".dirty-mark").waitFor({ state: "hidden", timeout: 15_000 });
    const saved = JSON.parse(readFileSync(join(served.root, "autosave-run.ipynb"), "utf8")) as { cells: { outputs: { text?: string[] }[] }[] };
    expect(savedSources("autosave-run.ipynb")).toEqual(["print('saved after the run')"]);
    expect(saved.cells[0]!.outputs[0]!.text).toEqual(["saved after the run\n"]);
  }, 60_000);

  it("shows a save that failed, in the title and a notice, until a save works", async () => {
    await ui.page.route("**/api/contents/**", async (route) => {
      if (route.request().method() === "PUT") await route.fulfill({ status: 500, contentType: "application/json", body: '{"message": "disk full"}' });
      else await route.fallback();
    });
    try {
      await replaceText("print('not saved yet')");
      await ui.page.keyboard.press("Control+Enter");
      const failed = ui.page.locator(".dirty-mark.save-failed");
      await failed.waitFor({ timeout: 30_000 });
      expect(await failed.innerText()).toBe("not saved");
      expect(await failed.getAttribute("title")).toMatch(/^Not saved: /);
      expect(await ui.page.locator(".notice.notice-error").innerText()).toMatch(/^Autosave failed: /);
      await ui.screenshot("editor-06-save-failed");
      expect(savedSources("autosave-run.ipynb")).toEqual(["print('saved after the run')"]);
    } finally {
      await ui.page.unroute("**/api/contents/**");
    }
    // The refused save is the page's only complaint (the browser logs the 500).
    expect(
      ui.errors.every((e) => /status of 500/.test(e)),
      ui.errors.join("\n"),
    ).toBe(true);
    ui.errors.length = 0;
    await ui.page.keyboard.press("Control+Enter");
    await ui.page.locator(".dirty-mark").waitFor({ state: "hidden", timeout: 30_000 });
    expect(await ui.page.locator(".dirty-mark.save-failed").count()).toBe(0);
    expect(savedSources("autosave-run.ipynb")).toEqual(["print('not saved yet')"]);
  }, 60_000);

  it("saves on a timer while there are unsaved changes", async () => {
    writeNotebook("autosave-timer.ipynb", [""]);
    const timed = await ui.browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      // 2 s instead of JupyterLab's 120 s, so the test need not wait two minutes.
      await timed.addInitScript(`window.localStorage.setItem("luci-autosave-interval", "2")`);
      await open(timed, "autosave-timer.ipynb");
      await timed.locator(".notebook > .cell .cm-content").first().click();
      await timed.keyboard.insertText("saved by the timer");
      expect(await timed.locator(".dirty-mark").isVisible()).toBe(true);
      await timed.locator(".dirty-mark").waitFor({ state: "hidden", timeout: 30_000 });
      expect(savedSources("autosave-timer.ipynb")).toEqual(["saved by the timer"]);
      await screenshot(timed, "editor-07-autosaved");
    } finally {
      await timed.close();
    }
  }, 60_000);
});

describe("placeholders", () => {
  it("an empty cell's placeholder is whole at the page's default width", async () => {
    writeNotebook("empty.ipynb", [""]);
    await open(ui.page, "empty.ipynb");
    await ui.page.click('.tool[data-action="add-python"]');
    for (const [index, kind] of [
      [0, "task"],
      [1, "python"],
    ] as const) {
      const cell = cells().nth(index);
      expect(await cell.getAttribute("data-kind")).toBe(kind);
      const fit = await inCell<{ text: string; inside: boolean; clipped: boolean; height: number; lineHeight: number }>(
        index,
        `const el = cell.querySelector(".cm-placeholder");
        const box = el.getBoundingClientRect();
        const body = el.closest(".cell-body").getBoundingClientRect();
        const editor = el.closest(".cm-editor").getBoundingClientRect();
        return {
          text: el.textContent,
          inside: box.left >= body.left && box.right <= body.right && box.top >= editor.top && box.bottom <= editor.bottom,
          clipped: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1,
          height: box.height,
          lineHeight: parseFloat(getComputedStyle(el).lineHeight),
        };`,
      );
      expect(fit.inside, JSON.stringify(fit)).toBe(true);
      expect(fit.clipped, JSON.stringify(fit)).toBe(false);
      if (kind === "task") {
        expect(fit.text).toMatch(/^Describe a task in plain words, .*\{years=30\} years$/);
        // Longer than a line at this width: it wraps onto more rows instead of running off.
        expect(fit.height).toBeGreaterThan(1.5 * fit.lineHeight);
      }
    }
    await ui.screenshot("editor-08-placeholders");
    expect(ui.errors).toEqual([]);
  });
});
