// Luci in real JupyterLab (from .venv, installed by .ci/run with the Luci kernelspec, started by
// support/lab.ts), driven in Debian's Chromium: the launcher's Luci card makes a notebook, a task
// typed into the first cell runs with Shift-Enter against the fake model server, and the plan,
// code, validation and result appear in the output area as JupyterLab renders the kernel's
// outputs. Kernels inherit the server's environment, so the LUCI_* settings go to `jupyter lab`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loanAnswer, PAYMENT_5 } from "../frontend/support/loan-task.js";
import { luciCard, newLuciNotebook, runTypedTask, useLab } from "./support/lab.js";

const TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years, printed with two decimals";

const ui = useLab("jupyterlab", {
  folder: mkdtempSync(join(tmpdir(), "luci-lab-")),
  viewport: { width: 1360, height: 900 },
  env: { LUCI_LOG_LEVEL: "debug" }, // the kernel logs each request it receives: shown if a test fails
});

describe("Luci in JupyterLab", () => {
  it("offers Luci in the launcher", async () => {
    await ui.page.goto(ui.lab.url);
    const card = luciCard(ui.page);
    await card.waitFor({ timeout: 60_000 });
    expect(await card.innerText()).toContain("Luci");
    await ui.screenshot("jupyterlab-01-launcher");
  }, 90_000);

  it("runs a typed task with Shift-Enter and shows the plan, code, validation and result", async () => {
    ui.model.enqueue(loanAnswer());
    const first = await newLuciNotebook(ui.page);
    await runTypedTask(ui.page, first, TASK);

    const outputs = first.locator(".jp-OutputArea-output");
    await outputs.filter({ hasText: PAYMENT_5 }).first().waitFor({ timeout: 60_000 });
    const text = (await outputs.allInnerTexts()).join("\n");
    // Drawn by Luci's extension where .venv has it (luci install), else by JupyterLab from the markdown.
    expect(text).toMatch(/Plan/i);
    expect(text).toContain("Apply the annuity formula to the principal");
    expect(text).toMatch(/Code/i);
    expect(text).toContain("payment = principal * r / (1 - (1 + r) ** -n)");
    expect(text).toMatch(/Validation\W+(passed\W+)?score 1\.00/i);
    expect(text).toContain(PAYMENT_5);
    // The model's hostile plan step is text in JupyterLab too.
    expect(text).toContain("<img src=x onerror=");
    expect(await first.locator('.jp-OutputArea img[src="x"], .jp-OutputArea script').count()).toBe(0);
    expect(await ui.page.evaluate("window.__luciXss")).toBeUndefined();
    expect(ui.model.chatRequests).toHaveLength(1);
    await first.scrollIntoViewIfNeeded();
    await ui.screenshot("jupyterlab-02-task-ran");
  }, 120_000);
});
