// Real JupyterLab for the JupyterLab tests: `jupyter lab` from .venv (where .ci/run installs it,
// with the Luci kernelspec) in .ci/env.sh's layout, its per-user folders in the test's temporary
// folder, on a free loopback port with a token; and, in Chromium, a new Luci notebook from the
// launcher and a task typed into its first cell and run with Shift-Enter. Kernels inherit the
// server's environment, so a test's LUCI_* settings go in the environment given here.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { ROOT } from "../../frontend/support/browser.js";
import { freePorts } from "../../support/kernel-process.js";

const VENV = join(ROOT, ".venv");
const JUPYTER_LAB = join(VENV, "bin", "jupyter-lab");
const TOKEN = "luci-lab-test-token";
/** The notebook JupyterLab shows (the launcher's notebook, once made). */
const NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)";

export interface Lab {
  /** The page that opens JupyterLab, with the token. */
  url: string;
  /** The end of what `jupyter lab` and its kernels wrote (the last 40,000 characters at most). */
  log(): string;
  /** Stops `jupyter lab` (SIGTERM: it shuts its kernels down), its process group after 15 s. */
  stop(): Promise<void>;
}

/**
 * Starts `jupyter lab` with `env` (the whole environment: the caller's LUCI_* settings included)
 * and the Jupyter folders in `folder`, serving `folder`/notebooks; resolves once it answers.
 */
export async function startLab(folder: string, env: Record<string, string>): Promise<Lab> {
  if (!existsSync(JUPYTER_LAB))
    throw new Error(`JupyterLab is not installed at ${JUPYTER_LAB}: run bash .ci/run (or .venv/bin/python -m pip install jupyterlab)`);
  if (!existsSync(join(VENV, "share", "jupyter", "kernels", "luci", "kernel.json"))) {
    throw new Error("the Luci kernelspec is not in .venv: node dist/kernel/cli/luci.js install --prefix .venv --python .venv/bin/python");
  }
  const root = join(folder, "notebooks");
  mkdirSync(root, { recursive: true });
  // No "official Jupyter news?" prompt over the screenshots (a user setting, in this run's config folder).
  const settings = join(folder, "jupyter-config", "lab", "user-settings", "@jupyterlab", "apputils-extension");
  mkdirSync(settings, { recursive: true });
  writeFileSync(join(settings, "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false" }));
  const [port] = await freePorts(1);
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
  // .ci/env.sh's layout, with the per-user folders in the temporary folder.
  const layout = {
    JUPYTER_PATH: join(VENV, "share", "jupyter"),
    JUPYTER_DATA_DIR: join(folder, "jupyter-data"),
    JUPYTER_CONFIG_DIR: join(folder, "jupyter-config"),
    JUPYTER_RUNTIME_DIR: join(folder, "jupyter-runtime"),
    IPYTHONDIR: join(folder, "ipython"),
    MPLCONFIGDIR: join(folder, "matplotlib"),
    JUPYTER_PLATFORM_DIRS: "1",
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  const lab = spawn(JUPYTER_LAB, args, { env: { ...env, ...layout }, cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  const keep = (b: Buffer) => (log = (log + b.toString()).slice(-40_000));
  lab.stdout.on("data", keep);
  lab.stderr.on("data", keep);
  const stop = async () => {
    if (!lab.pid || lab.exitCode !== null) return;
    const gone = new Promise((ok) => lab.once("exit", ok));
    lab.kill("SIGTERM");
    const timer = setTimeout(() => {
      try {
        process.kill(-lab.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, 15_000);
    await gone;
    clearTimeout(timer);
  };

  // Ready when /api/status answers with the token.
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (lab.exitCode !== null) throw new Error(`jupyter lab exited (code ${lab.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${origin}/api/status`, { headers: { Authorization: `token ${TOKEN}` } });
      if (res.ok) return { url: `${origin}/lab?token=${TOKEN}`, log: () => log, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((ok) => setTimeout(ok, 250));
  }
  await stop();
  throw new Error(`jupyter lab did not answer within 60 s:\n${log}`);
}

/** The launcher's Luci card (the page must show JupyterLab). */
export function luciCard(page: Page): Locator {
  return page.locator('.jp-LauncherCard[data-category="Notebook"][title="Luci"]');
}

/** Makes a notebook with the launcher's Luci card and waits for its kernel; returns its first cell. */
export async function newLuciNotebook(page: Page): Promise<Locator> {
  await luciCard(page).click();
  const first = page.locator(`${NOTEBOOK} .jp-Notebook .jp-Cell`).first();
  await first.locator(".cm-content").waitFor({ timeout: 60_000 });
  // The kernel is ready when the toolbar's status says so.
  await page.locator(`${NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']`).waitFor({ timeout: 60_000 });
  return first;
}

/** Types `task` into `cell` and runs it with Shift-Enter; resolves once the cell has started. */
export async function runTypedTask(page: Page, cell: Locator, task: string): Promise<void> {
  const editor = cell.locator(".cm-content");
  await editor.click();
  await page.keyboard.type(task);
  expect(await editor.innerText()).toBe(task);
  await page.keyboard.press("Shift+Enter");
  // JupyterLab often takes the first Shift-Enter in a notebook this new for "advance" only and
  // sends nothing: the kernel's log then shows no execute_request. It does the same with
  // ipykernel (measured: about half of the runs with either kernel). So run the cell again if
  // its prompt has not become [*] or [n]; a run that did start is never repeated.
  const started = cell.locator(".jp-InputPrompt", { hasText: /\[(\*|\d+)\]/ });
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await started.waitFor({ timeout: 5_000 });
      return;
    } catch {
      if (attempt === 3) throw new Error("JupyterLab did not run the cell after three Shift-Enter presses");
      console.log(`JupyterLab sent no execute_request for Shift-Enter ${attempt}; pressing it again`);
      await cell.locator(".jp-InputPrompt").click();
      await page.keyboard.press("Shift+Enter");
    }
  }
}
