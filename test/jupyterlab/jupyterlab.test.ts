// Luci in real JupyterLab (from .venv, installed by .ci/run with the Luci kernelspec), driven in
// Debian's Chromium: the launcher's Luci card makes a notebook, a task typed into the first cell
// runs with Shift-Enter against the fake model server, and the plan, code, validation and result
// appear in the output area as JupyterLab renders the kernel's outputs. Kernels inherit the
// server's environment, so the LUCI_* settings go to `jupyter lab` itself.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeModelServer, type FakeModelServer } from "../support/fake-model-server.js";
import { freePorts } from "../support/kernel-process.js";
import { collectPageErrors, launchBrowser, ROOT, screenshot } from "../frontend/support/browser.js";
import { loanAnswer, PAYMENT_5 } from "../frontend/support/loan-task.js";
import { luciKernelEnv } from "../frontend/support/page-server.js";

const VENV = join(ROOT, ".venv");
const JUPYTER_LAB = join(VENV, "bin", "jupyter-lab");
const TOKEN = "lab-test-token";
const TASK = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years, printed with two decimals";

let model: FakeModelServer;
let lab: ChildProcess | undefined;
let labLog = "";
let browser: Browser;
let page: Page;
let base = "";

/** Waits until JupyterLab answers /api/status with the token, or fails with its log. */
async function waitForLab(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (lab?.exitCode !== null) throw new Error(`jupyter lab exited (code ${lab?.exitCode}):\n${labLog}`);
    try {
      const res = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${TOKEN}` } });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((ok) => setTimeout(ok, 250));
  }
  throw new Error(`jupyter lab did not answer within ${timeoutMs / 1000} s:\n${labLog}`);
}

beforeAll(async () => {
  if (!existsSync(JUPYTER_LAB)) throw new Error(`JupyterLab is not installed at ${JUPYTER_LAB}: run bash .ci/run (or .venv/bin/python -m pip install jupyterlab)`);
  if (!existsSync(join(VENV, "share", "jupyter", "kernels", "luci", "kernel.json"))) {
    throw new Error("the Luci kernelspec is not in .venv: node dist/kernel/cli/luci.js install --prefix .venv --python .venv/bin/python");
  }
  model = await startFakeModelServer();
  const temp = mkdtempSync(join(tmpdir(), "luci-lab-"));
  const root = join(temp, "notebooks");
  mkdirSync(root);
  const [port] = await freePorts(1);
  // .ci/env.sh's layout, with the per-user folders in the temporary directory.
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    JUPYTER_PATH: join(VENV, "share", "jupyter"),
    JUPYTER_DATA_DIR: join(temp, "jupyter-data"),
    JUPYTER_CONFIG_DIR: join(temp, "jupyter-config"),
    JUPYTER_RUNTIME_DIR: join(temp, "jupyter-runtime"),
    IPYTHONDIR: join(temp, "ipython"),
    MPLCONFIGDIR: join(temp, "matplotlib"),
    JUPYTER_PLATFORM_DIRS: "1",
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    ...luciKernelEnv(temp, model),
    LUCI_LOG_LEVEL: "debug", // the kernel logs each request it receives: shown if a test fails
  };
  // No "official Jupyter news?" prompt over the screenshots (a user setting, in this run's config folder).
  const settings = join(temp, "jupyter-config", "lab", "user-settings", "@jupyterlab", "apputils-extension");
  mkdirSync(settings, { recursive: true });
  writeFileSync(join(settings, "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false" }));
  const args = [
    "--no-browser",
    `--port=${port}`,
    "--ServerApp.ip=127.0.0.1",
    `--ServerApp.token=${TOKEN}`,
    `--ServerApp.root_dir=${root}`,
    "--LabApp.news_url=",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
  ];
  lab = spawn(JUPYTER_LAB, args, { env, cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true });
  lab.stdout!.on("data", (b: Buffer) => (labLog += b.toString()));
  lab.stderr!.on("data", (b: Buffer) => (labLog += b.toString()));
  base = `http://127.0.0.1:${port}`;
  await waitForLab(base, 60_000);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  collectPageErrors(page);
}, 90_000);

afterEach(async (context) => {
  // The server's log, with the kernel's (LUCI_LOG_LEVEL=debug: every request it received).
  if (context.task.result?.state === "fail") console.log(`jupyter lab's log, its end:\n${labLog.slice(-6000)}`);
  if (context.task.result?.state === "fail" && page) await screenshot(page, `jupyterlab-FAILED-${context.task.name.slice(0, 40).replace(/\W+/g, "-")}`);
});

afterAll(async () => {
  await browser?.close();
  if (lab?.pid && lab.exitCode === null) {
    const gone = new Promise((ok) => lab!.once("exit", ok));
    lab.kill("SIGTERM"); // jupyter_server shuts its kernels down on SIGTERM
    const timer = setTimeout(() => {
      try {
        process.kill(-lab!.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, 10_000);
    await gone;
    clearTimeout(timer);
  }
  await model?.close();
}, 30_000);

describe("Luci in JupyterLab", () => {
  it("offers Luci in the launcher", async () => {
    await page.goto(`${base}/lab?token=${TOKEN}`);
    const card = page.locator('.jp-LauncherCard[data-category="Notebook"][title="Luci"]');
    await card.waitFor({ timeout: 60_000 });
    expect(await card.innerText()).toContain("Luci");
    await screenshot(page, "jupyterlab-01-launcher");
  }, 90_000);

  it("runs a typed task with Shift-Enter and shows the plan, code, validation and result", async () => {
    model.enqueue(loanAnswer());
    await page.locator('.jp-LauncherCard[data-category="Notebook"][title="Luci"]').click();
    const notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook");
    const editor = notebook.locator(".jp-Cell").first().locator(".cm-content");
    await editor.waitFor({ timeout: 60_000 });
    // The kernel is ready when the toolbar's status says so.
    await page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']").waitFor({ timeout: 60_000 });
    await editor.click();
    await page.keyboard.type(TASK);
    expect(await editor.innerText()).toBe(TASK);
    await page.keyboard.press("Shift+Enter");
    // JupyterLab often takes the first Shift-Enter in a notebook this new for "advance" only and
    // sends nothing: the kernel's log then shows no execute_request. It does the same with
    // ipykernel (measured: about half of the runs with either kernel). So run the cell again if
    // its prompt has not become [*] or [n]; a run that did start is never repeated.
    const first = notebook.locator(".jp-Cell").first();
    const started = first.locator(".jp-InputPrompt", { hasText: /\[(\*|\d+)\]/ });
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await started.waitFor({ timeout: 5_000 });
        break;
      } catch {
        if (attempt === 3) throw new Error("JupyterLab did not run the cell after three Shift-Enter presses");
        console.log(`JupyterLab sent no execute_request for Shift-Enter ${attempt}; pressing it again`);
        await first.locator(".jp-InputPrompt").click();
        await page.keyboard.press("Shift+Enter");
      }
    }

    const outputs = notebook.locator(".jp-Cell").first().locator(".jp-OutputArea-output");
    await outputs.filter({ hasText: PAYMENT_5 }).first().waitFor({ timeout: 60_000 });
    const text = (await outputs.allInnerTexts()).join("\n");
    expect(text).toMatch(/Plan/);
    expect(text).toContain("Apply the annuity formula to the principal");
    expect(text).toMatch(/Code/);
    expect(text).toContain("payment = principal * r / (1 - (1 + r) ** -n)");
    expect(text).toMatch(/Validation: score 1\.00/);
    expect(text).toContain(PAYMENT_5);
    // The model's hostile plan step is text in JupyterLab too.
    expect(text).toContain("<img src=x onerror=");
    expect(await notebook.locator('.jp-OutputArea img[src="x"], .jp-OutputArea script').count()).toBe(0);
    expect(await page.evaluate("window.__luciXss")).toBeUndefined();
    expect(model.chatRequests).toHaveLength(1);
    await notebook.locator(".jp-Cell").first().scrollIntoViewIfNeeded();
    await screenshot(page, "jupyterlab-02-task-ran");
  }, 120_000);
});
