// The notebook page's plumbing, through Python cells on `luci serve`: make and rename a
// notebook; stream text merged in place, a display replaced through its display_id,
// clear_output(wait=True), execute_result, images, sanitised HTML tables, tracebacks without raw
// ANSI; the kernel status while busy; interrupt and restart from the toolbar.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { usePage } from "./support/browser.js";
import { runPython, runTask } from "./support/cells.js";
import { usePageServer } from "./support/page-server.js";
import { answer } from "../support/fake-model-server.js";

const served = usePageServer();
const ui = usePage("features", { width: 1280, height: 900 });

const PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

describe("the notebook page's outputs and kernel controls", () => {
  it("makes a notebook and renames it", async () => {
    await ui.page.goto(served.server.url);
    await ui.page.click(".new-notebook");
    const name = ui.page.locator(".title-input");
    await name.waitFor();
    await name.fill("features");
    await name.press("Enter");
    await ui.page.waitForURL(/\/notebooks\/features\.ipynb$/);
    await ui.page.locator('.file-item[data-path="features.ipynb"]').waitFor();
    expect(await ui.page.locator(".notebook-title").innerText()).toBe("features");
    expect(existsSync(join(served.root, "features.ipynb"))).toBe(true);
    expect(existsSync(join(served.root, "Untitled.ipynb"))).toBe(false);
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
  });

  it("merges stream text, replaces a display by its display_id and shows the result", async () => {
    const cell = await runPython(
      ui.page,
      "import sys\nfrom IPython.display import display\nprint('one')\nprint('two')\nprint('careful', file=sys.stderr)\nh = display('first', display_id=True)\nh.update('second')\n40 + 2",
    );
    expect(await cell.locator(".output-stdout").count()).toBe(1);
    expect((await cell.locator(".output-stdout").innerText()).trim()).toBe("one\ntwo");
    expect((await cell.locator(".output-stderr").innerText()).trim()).toBe("careful");
    const texts = (await cell.locator(".output-text").allInnerTexts()).map((t) => t.trim());
    expect(texts).toContain("'second'");
    expect(texts).not.toContain("'first'");
    expect(await cell.locator(".output-result").innerText()).toBe("42");
  });

  it("clears with clear_output(wait=True) only when the next output comes, and with clear_output() at once", async () => {
    const texts = async (cell: Locator) => (await cell.locator(".cell-outputs > .output").allInnerTexts()).map((t) => t.trim());
    const file = (name: string) => join(served.root, `release-${name}`);
    // Each cell below waits at each step for a file the test writes, so the test sees the page
    // between the steps.
    await runPython(
      ui.page,
      "import os, time\ndef wait_for(path):\n    deadline = time.monotonic() + 60\n    while not os.path.exists(path) and time.monotonic() < deadline:\n        time.sleep(0.02)",
    );
    const cleared = (call: string, name: string, then: string) =>
      runPython(
        ui.page,
        `from IPython.display import display, clear_output\nh = display('shown before the clear', display_id=True)\nwait_for(${JSON.stringify(file(`${name}-1`))})\n` +
          `${call}\n${then}wait_for(${JSON.stringify(file(`${name}-2`))})\nprint('after the clear')`,
        { wait: false },
      );

    // wait=True: the old output stays until the next output comes. An update of a display is not
    // an output: it shows (so the page has handled the clear, which came before it), and the
    // display is still there.
    const waiting = await cleared("clear_output(wait=True)", "wait", "h.update('updated after the clear')\n");
    await waiting.locator(".cell-outputs", { hasText: "shown before the clear" }).waitFor({ timeout: 30_000 });
    writeFileSync(file("wait-1"), "");
    await waiting.locator(".cell-outputs", { hasText: "updated after the clear" }).waitFor({ timeout: 30_000 });
    expect(await texts(waiting)).toEqual(["'updated after the clear'"]);
    writeFileSync(file("wait-2"), "");
    await waiting.locator(".cell-prompt", { hasText: /^\[\d+\]$/ }).waitFor({ timeout: 30_000 });
    expect(await texts(waiting)).toEqual(["after the clear"]);

    // No wait: the output goes at once, while the cell still runs.
    const atOnce = await cleared("clear_output()", "at-once", "");
    await atOnce.locator(".cell-outputs", { hasText: "shown before the clear" }).waitFor({ timeout: 30_000 });
    writeFileSync(file("at-once-1"), "");
    await atOnce.locator(".cell-outputs > .output").first().waitFor({ state: "detached", timeout: 30_000 });
    expect(await texts(atOnce)).toEqual([]);
    expect(await atOnce.locator(".cell-prompt").innerText()).toBe("[*]");
    writeFileSync(file("at-once-2"), "");
    await atOnce.locator(".cell-prompt", { hasText: /^\[\d+\]$/ }).waitFor({ timeout: 30_000 });
    expect(await texts(atOnce)).toEqual(["after the clear"]);
  });

  it("streams the model's answer into the task cell as it arrives, then replaces it with a summary", async () => {
    // A long answer (about 6 s at this pace), so the running cell is seen mid-answer even on a
    // loaded machine (CI runs other suites beside this one).
    const code = `${Array.from({ length: 20 }, (_, i) => `# step ${i + 1} of the streamed answer`).join("\n")}\nprint('streamed ok')`;
    served.model.enqueue({ ...answer({ code }), chunkSize: 2, chunkDelayMs: 20, when: (r) => JSON.stringify(r.messages).includes("say streamed ok") });
    const task = await runTask(ui.page, "say streamed ok");
    // Part of the answer, in place, while the cell still runs.
    await task.locator(".luci-stream-streaming .luci-steps li", { hasText: "compute the result" }).waitFor({ timeout: 15_000 });
    expect(await task.getAttribute("class")).toContain("cell-running");
    expect(await task.locator(".output-stdout").count()).toBe(0);
    await ui.screenshot("features-01-streaming");
    await task.locator(".output-stdout", { hasText: "streamed ok" }).waitFor({ timeout: 30_000 });
    expect(await task.locator(".output-markdown").allInnerTexts()).toEqual([expect.stringMatching(/Answer from fake-coder in 1 call/)]);
  });

  it("asks for input() in the cell", async () => {
    const cell = await runPython(ui.page, "name = input('Your name: ')\nprint('hello', name)", { wait: false });
    const field = cell.locator(".stdin-input");
    await field.waitFor({ timeout: 15_000 });
    expect(await cell.locator(".stdin-prompt").innerText()).toBe("Your name:");
    await field.fill("Ada");
    await field.press("Enter");
    await cell.locator(".output-stdout", { hasText: "hello Ada" }).waitFor({ timeout: 15_000 });
  });

  it("shows images, sanitised HTML tables and tracebacks without raw escape codes", async () => {
    const rich = await runPython(
      ui.page,
      `import base64\nfrom IPython.display import display\nclass Dot:\n    def _repr_png_(self):\n        return base64.b64decode('${PNG_1X1}')\n` +
        "class Table:\n    def _repr_html_(self):\n        return '<table><thead><tr><th>month</th><th>revenue</th></tr></thead><tbody><tr><td>1</td><td>100</td></tr></tbody></table>'\n" +
        "display(Dot())\ndisplay(Table())",
    );
    expect(await rich.locator('.output-image img[src^="data:image/png;base64,"]').count()).toBe(1);
    expect(await rich.locator(".rendered-html table td").allInnerTexts()).toEqual(["1", "100"]);
    const failing = await runPython(ui.page, "def f():\n    return 1 / 0\nf()");
    const error = failing.locator(".output-error");
    expect(await error.innerText()).toContain("ZeroDivisionError");
    expect(await error.innerText()).not.toContain("\u001b[");
    await ui.screenshot("features-02-outputs");
  });

  it("shows the kernel busy, interrupts a long cell and keeps the kernel", async () => {
    const sleeper = await runPython(ui.page, "import time\nvalue = 7\ntime.sleep(60)", { wait: false });
    await ui.page.locator('.kernel-status[data-state="busy"]').waitFor({ timeout: 15_000 });
    expect(await sleeper.getAttribute("class")).toContain("cell-running");
    await ui.screenshot("features-03-busy");
    await ui.page.click('.tool[data-action="interrupt"]');
    await sleeper.locator(".output-error", { hasText: "KeyboardInterrupt" }).waitFor({ timeout: 15_000 });
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 15_000 });
    const after = await runPython(ui.page, "print(value)");
    expect((await after.locator(".output-stdout").innerText()).trim()).toBe("7");
  });

  it("restarts the kernel from the toolbar: the variables are gone", async () => {
    await ui.page.click('.tool[data-action="restart"]');
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    const cell = await runPython(ui.page, "value");
    expect(await cell.locator(".output-error").innerText()).toContain("NameError");
    await ui.screenshot("features-04-restarted");
  });
});

describe("a kernel that dies", () => {
  it("is reported as dead, and Restart brings a new one", async () => {
    // The worker kills its parent, the kernel process, as the out-of-memory killer might.
    const killer = await runPython(ui.page, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", { wait: false });
    await ui.page.locator('.kernel-status[data-state="dead"]').waitFor({ timeout: 30_000 });
    await killer.locator(".output-error", { hasText: "The kernel died while this cell ran" }).waitFor({ timeout: 10_000 });
    await ui.screenshot("features-05-dead");
    await ui.page.click('.tool[data-action="restart"]');
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    const cell = await runPython(ui.page, "print(6 * 7)");
    expect((await cell.locator(".output-stdout").innerText()).trim()).toBe("42");
  }, 90_000);
});

describe("run all", () => {
  it("runs every cell of the Python example in order: state across cells, HTML, a plot, an update in place, an expected error", async () => {
    await ui.page.click('.file-item[data-path="python-basics.ipynb"]');
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    await ui.page.click('.tool[data-action="run-all"]');
    const last = ui.page.locator(".notebook > .cell").last();
    // The failing cell is tagged raises-exception, so the cell after it runs too.
    await last.locator(".output-stdout", { hasText: "after the error, total is still 14" }).waitFor({ timeout: 60_000 });
    const notebook = ui.page.locator(".notebook");
    expect(await notebook.locator(".output-error", { hasText: "IndexError" }).count()).toBe(1);
    // `values[total]` has no marker: its label is what Python's parser says (the page asks the
    // same question of Lezer's grammar), and the kernel ran it so.
    const failing = ui.page.locator(".notebook > .cell", { has: ui.page.locator(".output-error", { hasText: "IndexError" }) });
    expect(await failing.getAttribute("data-kind")).toBe("python");
    expect(await notebook.locator('.output-image img[src^="data:image/png"]').count()).toBe(1);
    expect(await notebook.locator(".rendered-html b", { hasText: "bold from HTML" }).count()).toBe(1);
    expect(await notebook.locator(".output-text", { hasText: "step 3 of 3" }).count()).toBe(1);
    expect(await notebook.locator(".output-text", { hasText: "step 1 of 3" }).count()).toBe(0);
    await ui.screenshot("features-06-run-all");
  }, 90_000);
});
