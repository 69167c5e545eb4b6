// Issue 13, "a notebook's identity follows it", in real JupyterLab driven in Chromium through its
// own UI (test/jupyterlab/rename.test.ts does the same through @jupyterlab/services): the
// launcher's Luci card, a task run (the scripted model server answers once) and saved with
// Ctrl-S; File > Rename Notebook…; Kernel > Restart Kernel…; `%luci env` names the same
// environment for the new path, and the task reruns from its record with no second model call.
// Screenshots jupyterlab-rename-*.
import { mkdtempSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { RECORD_MIME } from "../../kernel/pipeline/records/record.js";
import { answer } from "../support/fake-model-server.js";
import { UV, environmentFolders } from "../kernel/environments/environment-kernel.js";
import { newLuciNotebook, runTypedTask, useLab } from "./support/lab.js";

const TASK = "work out the answer to everything and print it";
let firstEnvironment: string;
let taskCell: Locator;

/** A menu of JupyterLab's menu bar, then one of its items. */
async function menu(top: string, item: string): Promise<void> {
  await ui.page.locator(".lm-MenuBar-itemLabel", { hasText: top }).first().click();
  await ui.page.locator(".lm-Menu-itemLabel", { hasText: item }).first().click();
}

const temp = realpathSync(mkdtempSync(join(tmpdir(), "luci-lab-rename-ui-")));
const root = join(temp, "notebooks");
const envs = join(temp, "environments");
const ui = useLab("jupyterlab-rename", { folder: temp, viewport: { width: 1360, height: 900 }, executor: "venv", env: { LUCI_ENV_DIR: envs, LUCI_UV: UV } });

describe("a notebook renamed in JupyterLab's UI keeps its environment and its records", () => {
  it("a new notebook runs a task, saved with its record", async () => {
    await ui.page.goto(ui.lab.url);
    ui.model.enqueue(answer({ code: "# Multiply six by seven\nanswer = 6 * 7\nprint(answer)" }));
    taskCell = await newLuciNotebook(ui.page);
    await runTypedTask(ui.page, taskCell, TASK);
    await taskCell
      .locator(".jp-OutputArea-output", { hasText: /^\s*42\s*$/ })
      .first()
      .waitFor({ timeout: 120_000 });
    expect(ui.model.chatRequests).toHaveLength(1);
    const folders = environmentFolders(envs);
    expect(folders).toHaveLength(1);
    firstEnvironment = folders[0]!;
    expect(firstEnvironment).toMatch(/^luci_Untitled/);

    await ui.page.keyboard.press("Control+s");
    // JupyterLab offers a new name at an untitled notebook's first save: kept for now (Cancel
    // still saves), as a user who renames later does.
    const offer = ui.page.locator(".jp-Dialog", { hasText: "Rename file" });
    if (
      await offer.waitFor({ timeout: 5_000 }).then(
        () => true,
        () => false,
      )
    ) {
      await offer.locator(".jp-mod-reject").click();
      await offer.waitFor({ state: "detached" });
    }
    await expect
      .poll(
        () => {
          try {
            return readFileSync(join(root, "Untitled.ipynb"), "utf8").includes(RECORD_MIME);
          } catch {
            return false;
          }
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await ui.screenshot("jupyterlab-rename-01-task-run");
  }, 180_000);

  it("renamed with File > Rename Notebook…, restarted with Kernel > Restart Kernel…", async () => {
    await menu("File", "Rename Notebook");
    const input = ui.page.locator(".jp-Dialog input");
    await input.waitFor();
    await input.fill("Loan analysis.ipynb");
    await ui.page.locator(".jp-Dialog .jp-mod-accept").click();
    await ui.page.locator(".lm-TabBar-tab .lm-TabBar-tabLabel", { hasText: "Loan analysis.ipynb" }).waitFor({ timeout: 30_000 });
    await expect.poll(() => readdirSync(root).filter((n) => n.endsWith(".ipynb")), { timeout: 30_000 }).toEqual(["Loan analysis.ipynb"]);
    await ui.screenshot("jupyterlab-rename-02-renamed");

    await menu("Kernel", "Restart Kernel");
    await ui.page.locator(".jp-Dialog .jp-mod-accept").click();
    await ui.page.locator(".jp-Dialog").waitFor({ state: "detached" });
    await ui.page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").waitFor({ timeout: 60_000 });
  }, 120_000);

  it("names the same environment for the new path, and reruns the task from its record", async () => {
    const envCell = ui.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(1);
    await runTypedTask(ui.page, envCell, "%luci env");
    await envCell.locator(".jp-OutputArea-output", { hasText: "Environment" }).first().waitFor({ timeout: 120_000 });
    expect(await envCell.locator(".jp-InputPrompt").innerText()).toContain("[1]");
    expect(await envCell.locator(".jp-OutputArea").innerText()).toContain(`Environment ${firstEnvironment} for ${join(root, "Loan analysis.ipynb")}`);

    await taskCell.locator(".cm-content").click();
    const rerun = taskCell.locator(".jp-InputPrompt", { hasText: "[2]" });
    for (let attempt = 1; attempt <= 3 && !(await rerun.isVisible()); attempt++) {
      await ui.page.keyboard.press("Control+Enter");
      await rerun.waitFor({ timeout: 30_000 }).catch(() => undefined);
    }
    await rerun.waitFor({ timeout: 30_000 });
    await taskCell
      .locator(".jp-OutputArea-output", { hasText: /^\s*42\s*$/ })
      .first()
      .waitFor({ timeout: 60_000 });
    expect(ui.model.chatRequests).toHaveLength(1); // no second model call: the record ran
    expect(environmentFolders(envs)).toEqual([firstEnvironment]);
    await taskCell.scrollIntoViewIfNeeded();
    await ui.screenshot("jupyterlab-rename-03-rerun-from-record");
  }, 180_000);
});
