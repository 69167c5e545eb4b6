// Real JupyterLab for the JupyterLab tests: `jupyter lab` from .venv (where .ci/run installs it,
// with the Luci kernelspec) in .ci/env.sh's layout, its per-user folders in the test's temporary
// folder, on a free loopback port with a token; and, in Chromium, a new Luci notebook from the
// launcher and a task typed into its first cell and run with Shift-Enter. Kernels inherit the
// server's environment, so a test's LUCI_* settings go in the environment given here.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { ROOT, usePage, type PageFixture } from "../../frontend/support/browser.js";
import { luciKernelEnv } from "../../frontend/support/page-server.js";
import { startFakeModelServer, type FakeModelServer } from "../../support/fake-model-server.js";
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
export async function startLab(folder: string, env: NodeJS.ProcessEnv): Promise<Lab> {
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

/** Luci's extension as `luci install --prefix .venv` puts it, and as this build made it. */
const INSTALLED = join(VENV, "share", "jupyter", "labextensions", "luci-jupyterlab");
const BUILT = join(ROOT, "labextension", "luci_jupyterlab", "labextension");

/** The files below `dir`, as paths from it, sorted. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length))
    .sort();
}

/** Fails unless .venv holds this build's extension: otherwise a test would judge an old copy. */
function expectExtensionInstalled(): void {
  if (!existsSync(join(INSTALLED, "package.json")))
    throw new Error(`the extension is not installed in .venv: npm run build && node dist/kernel/cli/luci.js install --prefix .venv --python .venv/bin/python`);
  expect(files(INSTALLED), "the copy in .venv is this build's (run luci install --prefix .venv again)").toEqual(files(BUILT));
  // package.json names the bundle the extension loads.
  expect(readFileSync(join(INSTALLED, "package.json"), "utf8")).toBe(readFileSync(join(BUILT, "package.json"), "utf8"));
}

export interface LabOptions {
  /** The test's temporary folder: Jupyter's folders, and notebooks/ which JupyterLab serves. */
  folder: string;
  viewport: { width: number; height: number };
  /** Kernel settings beyond luciKernelEnv's (the fake model, private state). */
  env?: Record<string, string>;
  /** `venv`: each notebook gets a venv of its own (luciKernelEnv). */
  executor?: "local" | "venv";
  /** Check first that .venv holds this build's extension (the tests of the extension itself). */
  extension?: boolean;
  /** What the page's context may use, e.g. the clipboard. */
  permissions?: string[];
}

export interface LabFixture extends PageFixture {
  readonly lab: Lab;
  readonly model: FakeModelServer;
}

/**
 * What every JupyterLab test file sets up alike: the fake model server, `jupyter lab` over
 * `folder` with a Luci kernel pointed at it, and Chromium with a page (usePage); started before
 * the file's tests, stopped after them. When a test fails, the end of jupyter lab's log (its
 * kernels' with it) is printed beside the page's errors and picture. Call it at the top level;
 * a beforeAll registered before the call runs before jupyter lab starts (to write settings or
 * notebooks into `folder`).
 */
export function useLab(prefix: string, options: LabOptions): LabFixture {
  let started: { lab: Lab; model: FakeModelServer } | undefined;
  const running = () => {
    if (!started) throw new Error("jupyter lab is not started yet: useLab starts it in beforeAll");
    return started;
  };
  beforeAll(async () => {
    if (options.extension) expectExtensionInstalled();
    const model = await startFakeModelServer();
    try {
      const env = { ...process.env, ...luciKernelEnv(options.folder, model, options.executor), ...options.env };
      started = { lab: await startLab(options.folder, env), model };
    } catch (error) {
      await model.close();
      throw error;
    }
  }, 90_000);
  afterEach((context) => {
    if (context.task.result?.state === "fail") console.log(`jupyter lab's log, its end:\n${started?.lab.log().slice(-8000)}`);
  });
  afterAll(async () => {
    await started?.lab.stop();
    await started?.model.close();
  }, 30_000);
  // Registered after the hooks above, so (hooks after the tests run last first) the page closes before jupyter lab stops.
  const page = usePage(prefix, options.viewport, options.permissions);
  return {
    get lab() {
      return running().lab;
    },
    get model() {
      return running().model;
    },
    get browser() {
      return page.browser;
    },
    get page() {
      return page.page;
    },
    get errors() {
      return page.errors;
    },
    screenshot: (name) => page.screenshot(name),
  };
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

/**
 * Runs `cell` with Ctrl-Enter; resolves once the kernel has taken it (its prompt shows [*] or a
 * new count). JupyterLab sometimes sends nothing for the first key in a notebook just opened
 * (runTypedTask says more): the key is pressed again then, never once the cell started.
 */
export async function runCell(page: Page, cell: Locator): Promise<void> {
  const before = await cell.locator(".jp-InputPrompt").innerText();
  for (let attempt = 1; ; attempt++) {
    await cell.locator(".jp-InputPrompt").click();
    await page.keyboard.press("Control+Enter");
    try {
      await cell
        .locator(".jp-InputPrompt", { hasText: /\[(\*|\d+)\]/ })
        .filter({ hasNotText: before })
        .waitFor({ timeout: 5_000 });
      return;
    } catch {
      if (attempt === 3) throw new Error(`JupyterLab did not run the cell after three Ctrl-Enter presses (its prompt: ${before})`);
    }
  }
}
