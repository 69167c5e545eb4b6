// Issue 13: in real JupyterLab and Chromium, with Luci's extension installed (`luci install
// --prefix .venv`), a task cell's text is not highlighted as Python (no keyword colour for `for`
// and `and`, no string opened by an apostrophe), a Python cell in the same notebook is, typing
// Python into the task cell makes it Python, and a python3 (ipykernel) notebook is left as
// JupyterLab makes it. Highlighting is read as the browser draws it: the computed colour of
// CodeMirror's token spans against the editor's own colour, and CodeMirror's data-language.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { newLuciNotebook, useLab } from "./support/lab.js";

const NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)";
/** A task with Python's words and an apostrophe (which Python would read as a string to the line's end). */
const TASK = "Sum the user's costs for each month and print the total";
/** Python with the same words: `for`, `and`, `print` and a string. */
const PYTHON = "total = sum(x for x in range(3)) and print('the total')";

/** The part of the DOM `coloured` reads (the tests are type-checked without the DOM's types). */
interface Node_ {
  textContent: string | null;
  querySelectorAll(selector: string): Iterable<Node_>;
}
type ComputedStyle = (node: Node_) => { color: string };

/** The words of the cell's editor drawn in another colour than the editor's text (CodeMirror's highlighted tokens). */
async function coloured(cell: Locator): Promise<string[]> {
  const read = (content: Node_): string[] => {
    const style = (globalThis as unknown as { getComputedStyle: ComputedStyle }).getComputedStyle;
    const plain = style(content).color;
    return [...content.querySelectorAll(".cm-line span")]
      .filter((span) => span.textContent && style(span).color !== plain)
      .map((span) => span.textContent ?? "");
  };
  return cell.locator(".cm-content").evaluate(read as unknown as (content: HTMLElement) => string[]);
}

/** Waits until the cell's highlighted tokens satisfy `ok` (the rule is applied 250 ms after the last key). */
async function colouredWhen(cell: Locator, ok: (tokens: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const tokens = await coloured(cell);
    if (ok(tokens) || Date.now() > deadline) return tokens;
    await new Promise((done) => setTimeout(done, 100));
  }
}

const language = (cell: Locator) => cell.locator(".cm-content").getAttribute("data-language");

async function typeInto(cell: Locator, text: string): Promise<void> {
  await cell.locator(".cm-content").click();
  await ui.page.keyboard.press("Control+a");
  await ui.page.keyboard.type(text);
  expect(await cell.locator(".cm-content").innerText()).toBe(text);
}

const ui = useLab("jupyterlab-task-editor", {
  folder: mkdtempSync(join(tmpdir(), "luci-task-editor-")),
  viewport: { width: 1360, height: 900 },
  extension: true,
});

describe("a task cell's editor in JupyterLab (issue 13)", () => {
  it("highlights a task as plain text and a Python cell as Python, and follows the text as it is typed", async () => {
    await ui.page.goto(ui.lab.url);
    const task = await newLuciNotebook(ui.page);
    await typeInto(task, TASK);
    expect(await colouredWhen(task, (t) => t.length === 0)).toEqual([]);
    expect(await language(task)).toBeNull();

    // A Python cell below it, in the same notebook, with the same words.
    await ui.page.keyboard.press("Escape");
    await ui.page.keyboard.press("b");
    const python = ui.page.locator(`${NOTEBOOK} .jp-Notebook .jp-Cell`).nth(1);
    await python.locator(".cm-content").waitFor({ timeout: 10_000 });
    await typeInto(python, PYTHON);
    const tokens = await colouredWhen(python, (t) => t.includes("for") && t.includes("'the total'"));
    expect(tokens).toEqual(expect.arrayContaining(["for", "and", "'the total'"]));
    expect(await language(python)).toBe("python");
    // The task is still plain once the other cell is Python.
    expect(await coloured(task)).toEqual([]);
    await ui.screenshot("jupyterlab-task-editor-01-task-and-python");

    // Python typed into the task cell makes it Python...
    await typeInto(task, PYTHON);
    expect(await colouredWhen(task, (t) => t.includes("for") && t.includes("'the total'"))).toEqual(expect.arrayContaining(["for", "and", "'the total'"]));
    expect(await language(task)).toBe("python");
    // ... and a task again makes it plain.
    await typeInto(task, TASK);
    expect(await colouredWhen(task, (t) => t.length === 0)).toEqual([]);
    expect(await language(task)).toBeNull();
  }, 150_000);

  it("leaves a python3 (ipykernel) notebook's cells as Python", async () => {
    const url = new URL(ui.lab.url);
    // A new workspace: the launcher, not the Luci notebook restored.
    url.searchParams.set("reset", "");
    await ui.page.goto(url.toString());
    await ui.page.locator('.jp-LauncherCard[data-category="Notebook"][title="Python 3 (ipykernel)"]').click();
    const cell = ui.page.locator(`${NOTEBOOK} .jp-Notebook .jp-Cell`).first();
    await cell.locator(".cm-content").waitFor({ timeout: 60_000 });
    await ui.page.locator(`${NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']`).waitFor({ timeout: 60_000 });
    await typeInto(cell, TASK);
    // JupyterLab's Python highlighting, apostrophe and all: the apostrophe opens a string.
    const string = "'s costs for each month and print the total";
    expect(await colouredWhen(cell, (t) => t.includes(string))).toEqual(expect.arrayContaining([string]));
    // Past the rule's 250 ms, it is still Python.
    await new Promise((done) => setTimeout(done, 600));
    expect(await language(cell)).toBe("python");
    await ui.screenshot("jupyterlab-task-editor-02-python3-notebook");
  }, 150_000);
});
