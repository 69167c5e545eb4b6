// Luci's JupyterLab extension (labextension/) in real JupyterLab and Chromium, installed the
// README's way: `luci install --prefix .venv` (as .ci/run does) copies the prebuilt extension into
// .venv/share/jupyter/labextensions/, where JupyterLab loads it with no rebuild. A task cell runs
// against the fake model server and its outputs are drawn by the extension as on Luci's page:
// the plan, the highlighted code with a copy button, the validation and the record; the task's
// parameter box (parameter-panel.ts, on the cell) rewrites the task text and reruns the cell
// from its record (no model call);
// a copy of the notebook whose record another person made shows a trust button that answers
// the kernel's `%luci trust` question and reruns the cell; and a slow answer is drawn as it
// streams, then as the note an interrupt leaves.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { codeAnswer } from "../support/fake-model-server.js";
import { loanAnswer, PAYMENT_5, PAYMENT_7 } from "../frontend/support/loan-task.js";
import { newLuciNotebook, runCell, runTypedTask, useLab } from "./support/lab.js";

const TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years, printed with two decimals";
const CODE = "payment = principal * r / (1 - (1 + r) ** -n)";
/** The notebook JupyterLab shows. */
const NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)";

interface SavedNotebook {
  cells: { cell_type: string; source: string | string[]; outputs?: { data?: Record<string, Record<string, unknown>> }[] }[];
}

const temp = mkdtempSync(join(tmpdir(), "luci-labext-"));
const root = join(temp, "notebooks");

beforeAll(() => {
  // Saving the new notebook keeps its name (no "rename on first save" dialog over the test).
  const docmanager = join(temp, "jupyter-config", "lab", "user-settings", "@jupyterlab", "docmanager-extension");
  mkdirSync(docmanager, { recursive: true });
  writeFileSync(join(docmanager, "plugin.jupyterlab-settings"), JSON.stringify({ renameUntitledFileOnSave: false }));
});

// `extension`: installed as the README says, and from this build, otherwise the test would judge an old copy.
const ui = useLab("labextension", {
  folder: temp,
  viewport: { width: 1360, height: 1000 },
  env: { LUCI_LOG_LEVEL: "debug" },
  extension: true,
  permissions: ["clipboard-read", "clipboard-write"],
});

/** The outputs drawn by the extension in `cell`. */
const luci = (cell: Locator, kind: string) => cell.locator(`.jp-OutputArea-output.luci-jl .luci-${kind}`);

describe("Luci's JupyterLab extension", () => {
  let first: Locator;

  it("draws a task's plan, highlighted code with a copy button, validation and record", async () => {
    await ui.page.goto(ui.lab.url);
    ui.model.enqueue(loanAnswer());
    first = await newLuciNotebook(ui.page);
    await runTypedTask(ui.page, first, TASK);
    await first.locator(".jp-OutputArea-output", { hasText: PAYMENT_5 }).first().waitFor({ timeout: 60_000 });
    await luci(first, "record").waitFor({ timeout: 30_000 });

    // The plan: its steps as a list, the model's hostile step as text.
    const plan = luci(first, "plan");
    expect(await plan.locator(".luci-steps li").count()).toBe(3);
    expect(await plan.innerText()).toContain("Apply the annuity formula to the principal");
    expect(await plan.innerText()).toContain("<img src=x onerror=");
    expect(await first.locator('.jp-OutputArea img[src="x"], .jp-OutputArea script').count()).toBe(0);
    expect(await ui.page.evaluate("window.__luciXss")).toBeUndefined();

    // The code: highlighted by the page's highlighter, with a copy button that copies it.
    const code = luci(first, "code");
    expect(await code.locator(".luci-source").innerText()).toContain(CODE);
    expect(await code.locator(".luci-source .tok-number").count()).toBeGreaterThan(0);
    expect(await code.locator(".luci-source .tok-builtin", { hasText: "print" }).count()).toBe(1);
    const copy = code.locator("button.luci-copy");
    await copy.click();
    await code.locator("button.luci-copy", { hasText: "Copied" }).waitFor({ timeout: 10_000 });
    expect(await ui.page.evaluate<string>("navigator.clipboard.readText()")).toContain(CODE);

    // The validation and the record (folded, as on the page).
    const validation = luci(first, "validation");
    expect(await validation.locator(".luci-badge.luci-ok").innerText()).toMatch(/passed/i);
    expect(await validation.innerText()).toContain("score 1.00");
    const record = luci(first, "record");
    expect(await record.locator("summary").innerText()).toMatch(/code from fake-coder/);
    expect(await record.getAttribute("open")).toBeNull();
    // JupyterLab's own renderers drew none of these: the kernel's text/html fallback is not shown.
    expect(await first.locator(".jp-OutputArea-output .luci-collapsible, .jp-OutputArea-output details:not(.luci-panel)").count()).toBe(0);
    // The result is the cell's own output, as JupyterLab draws a stream.
    expect(await first.locator("[data-mime-type='application/vnd.jupyter.stdout']").innerText()).toContain(PAYMENT_5);
    expect(ui.model.chatRequests).toHaveLength(1);
    await first.scrollIntoViewIfNeeded();
    await ui.screenshot("labextension-01-task-panels");
  }, 150_000);

  it("reruns the cell from its record when a parameter field changes, with no model call", async () => {
    const rate = first.locator('.luci-jl .param-field input[name="rate"]');
    expect(await rate.inputValue()).toBe("0.05");
    expect(await first.locator(".luci-jl .param-field").count()).toBe(3);
    await rate.fill("0.07");
    await rate.press("Enter");

    // The task text now says 0.07 (the saved notebook says which value its output came from)...
    await first.locator(".cm-content", { hasText: "{rate=0.07}" }).waitFor({ timeout: 10_000 });
    // ... and the cell ran again from its record.
    await first.locator("[data-mime-type='application/vnd.jupyter.stdout']", { hasText: PAYMENT_7 }).waitFor({ timeout: 60_000 });
    await luci(first, "record").waitFor({ timeout: 30_000 });
    expect(await luci(first, "code").locator(".luci-source").innerText()).toContain(CODE);
    // The record is the one made with 0.05: the new value ran through it.
    expect(await luci(first, "record").locator("summary").innerText()).toContain("made with principal=250000, rate=0.05, years=30");
    expect(await first.locator('.luci-jl .param-field input[name="rate"]').inputValue()).toBe("0.07");
    expect(await first.locator(".jp-OutputArea-output", { hasText: PAYMENT_5 }).count()).toBe(0);
    expect(ui.model.chatRequests).toHaveLength(1);
    await ui.screenshot("labextension-02-parameter-rerun");
  }, 120_000);

  it("offers a trust button for a record someone else made, answers %luci trust and reruns the cell", async () => {
    // Save, then make a copy whose record another person signed: the kernel shows it and does not run it.
    await ui.page.keyboard.press("Escape");
    await ui.page.keyboard.press("Control+s");
    const saved = await savedNotebook();
    let records = 0;
    for (const cell of saved.cells)
      for (const output of cell.outputs ?? []) {
        const record = output.data?.["application/vnd.luci.record+json"];
        if (record) records += Object.assign(record, { author: "colleague@elsewhere", signature: "0".repeat(64) }) ? 1 : 0;
      }
    expect(records).toBe(1);
    writeFileSync(join(root, "from-a-colleague.ipynb"), JSON.stringify(saved));

    const url = new URL(ui.lab.url);
    url.pathname = "/lab/tree/from-a-colleague.ipynb";
    // A new workspace: the copy alone, not also the first notebook restored beside it.
    url.searchParams.set("reset", "");
    await ui.page.goto(url.toString());
    await ui.page.locator(".jp-mod-current .lm-TabBar-tabLabel", { hasText: "from-a-colleague.ipynb" }).waitFor({ timeout: 60_000 });
    expect(await ui.page.locator(".jp-NotebookPanel").count()).toBe(1);
    const notebook = ui.page.locator(`${NOTEBOOK}`, { has: ui.page.locator(".jp-Notebook") });
    const task = notebook.locator(".jp-Notebook .jp-Cell").first();
    await task.locator(".cm-content", { hasText: "{rate=0.07}" }).waitFor({ timeout: 60_000 });
    await ui.page.locator(`${NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']`).waitFor({ timeout: 60_000 });
    // The saved outputs are drawn by the extension too, before anything runs.
    await luci(task, "record").waitFor({ timeout: 30_000 });
    await runCell(ui.page, task);

    const banner = task.locator(".luci-jl .trust-banner:not([hidden])");
    await banner.waitFor({ timeout: 60_000 });
    // JupyterLab draws an error output as stderr.
    expect(await task.locator("[data-mime-type='application/vnd.jupyter.stderr']").innerText()).toContain("NotTrusted");
    expect(await task.locator("[data-mime-type='application/vnd.jupyter.stdout']").count()).toBe(0);
    expect(await banner.innerText()).toMatch(/recorded by someone else/);
    await ui.screenshot("labextension-03-untrusted");

    await banner.locator("button.trust-button").click();
    await task.locator("[data-mime-type='application/vnd.jupyter.stdout']", { hasText: PAYMENT_7 }).waitFor({ timeout: 60_000 });
    expect(await task.locator("[data-mime-type='application/vnd.jupyter.stderr']").count()).toBe(0);
    await luci(task, "record").waitFor({ timeout: 30_000 });
    expect(await task.locator(".luci-jl .trust-banner:not([hidden])").count()).toBe(0);
    expect(ui.model.chatRequests).toHaveLength(1);
    await ui.screenshot("labextension-04-trusted");
  }, 150_000);

  it("draws the answer as it streams, in place, and what an interrupt leaves", async () => {
    const code = Array.from({ length: 60 }, (_, i) => `value_${i} = ${i} * 2`).join("\n");
    ui.model.enqueue({
      ...codeAnswer({ plan: { steps: [{ action: "Set the values" }, { action: "Double each of them" }] }, code }),
      // Slow: about 8 characters every 120 ms.
      chunkSize: 8,
      chunkDelayMs: 120,
      when: (r) => JSON.stringify(r.messages).includes("Set sixty doubled values"),
    });
    const cell = ui.page.locator(`${NOTEBOOK} .jp-Notebook .jp-Cell`).nth(1);
    await runTypedTask(ui.page, cell, "Set sixty doubled values");
    const stream = cell.locator(".jp-OutputArea-output.luci-jl .luci-stream");
    await stream.locator(".luci-steps li", { hasText: "Set the values" }).waitFor({ timeout: 60_000 });
    await stream.locator(".luci-source", { hasText: "value_3 = 3 * 2" }).waitFor({ timeout: 60_000 });
    expect(await stream.locator(".luci-source .tok-number").count()).toBeGreaterThan(0);
    expect(await stream.locator(".luci-source").innerText()).not.toContain("```");
    await cell.scrollIntoViewIfNeeded();
    await ui.screenshot("labextension-05-streaming");
    // It grows in place: later lines come into the same output.
    await stream.locator(".luci-source", { hasText: "value_6 = 6 * 2" }).waitFor({ timeout: 60_000 });
    expect(await stream.count()).toBe(1);

    await ui.page.locator(`${NOTEBOOK} .jp-Toolbar [data-command="notebook:interrupt-kernel"]`).click();
    const interrupted = cell.locator(".luci-jl .luci-stream-interrupted");
    await interrupted.waitFor({ timeout: 60_000 });
    expect(await interrupted.locator(".luci-stream-note").innerText()).toMatch(/^Interrupted while the model was writing; \d+ lines of code had come\.$/);
    const fold = interrupted.locator("details.luci-panel");
    expect(await fold.getAttribute("open")).toBeNull();
    await fold.locator("summary").click();
    expect(await fold.locator(".luci-source").innerText()).toContain("value_0 = 0 * 2");
    await cell.scrollIntoViewIfNeeded();
    await ui.screenshot("labextension-06-interrupted");
  }, 150_000);
});

/** The notebook JupyterLab saved (the launcher's Untitled.ipynb), once it holds the record. */
async function savedNotebook(): Promise<SavedNotebook> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const name of readdirSync(root).filter((n) => n.endsWith(".ipynb"))) {
      const text = readFileSync(join(root, name), "utf8");
      if (text.includes("application/vnd.luci.record+json") && text.includes("{rate=0.07}")) return JSON.parse(text) as SavedNotebook;
    }
    if (Date.now() > deadline) throw new Error(`JupyterLab saved no notebook with the record in ${root}: ${readdirSync(root).join(", ")}`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}
