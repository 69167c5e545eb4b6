// Issue 13, "a notebook's identity follows it", on the page in Chromium against `luci serve` in its
// own process (the kernel/server side: test/server/notebook-rename.test.ts): "+ New", a task run
// (the scripted model server answers once) and saved with its record; the notebook renamed in the
// page's title while open (the page PATCHes the contents, then the session's path, as JupyterLab
// does); Restart from the toolbar; `%luci env` names the same environment for the new path, and
// the task reruns from its record with no second model call. Screenshots rename-story-*.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UV, environmentFolders } from "../kernel/environments/environment-kernel.js";
import { startChildServer, type ChildServer } from "../server/child-server.js";
import { answer, startFakeModelServer, type FakeModelServer } from "../support/fake-model-server.js";
import { ROOT, usePage } from "./support/browser.js";

const TASK = "work out the answer to everything and print it";

let model: FakeModelServer;
let server: ChildServer;
let envs: string;
const ui = usePage("rename-story", { width: 1280, height: 900 });
let firstEnvironment: string;

const taskCell = () => ui.page.locator(".notebook > .cell").first();

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "frontend", "main.js"))) throw new Error("dist/frontend is not built: run npm run build");
  model = await startFakeModelServer();
  envs = mkdtempSync(join(tmpdir(), "luci-rename-page-envs-"));
  server = await startChildServer({
    LUCI_EXECUTOR: "venv",
    LUCI_ENV_DIR: envs,
    LUCI_UV: UV,
    LUCI_LLM_BASE_URL: model.baseUrl,
    LUCI_LLM_MODEL: "fake-coder",
    LUCI_LLM_API_KEY: "test-key",
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await model?.close();
  if (envs) rmSync(envs, { recursive: true, force: true });
});

describe("a notebook renamed in the page while open keeps its environment and its records", () => {
  it("+ New, a task run and saved with its record", async () => {
    await ui.page.goto(`${server.base.href}?token=${server.token}`);
    await ui.page.click(".new-notebook");
    const name = ui.page.locator(".title-input");
    await name.waitFor();
    await name.press("Escape"); // keeps the name it was made with
    await ui.page.waitForURL(/\/notebooks\/Untitled\.ipynb$/);
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });

    model.enqueue(answer({ code: "# Multiply six by seven\nanswer = 6 * 7\nprint(answer)" }));
    await taskCell().locator(".cell-editor").click();
    await ui.page.keyboard.insertText(TASK);
    await ui.page.keyboard.press("Control+Enter");
    await taskCell()
      .locator(".cell-prompt", { hasText: /^\[\d+\]$/ })
      .waitFor({ timeout: 180_000 });
    expect(await taskCell().getAttribute("data-kind")).toBe("task");
    expect((await taskCell().locator(".output-stdout").innerText()).trim()).toBe("42");
    expect(await taskCell().locator(".luci-record").count()).toBe(1);
    expect(model.chatRequests).toHaveLength(1);
    const folders = environmentFolders(envs);
    expect(folders).toHaveLength(1);
    firstEnvironment = folders[0]!;
    expect(firstEnvironment).toMatch(/^luci_Untitled_/);

    await ui.page.keyboard.press("Control+s");
    await ui.page.locator(".dirty-mark").waitFor({ state: "hidden", timeout: 30_000 });
    const saved = (await (await server.api("/api/contents/Untitled.ipynb")).json()) as {
      content: { cells: { outputs: { data?: Record<string, unknown> }[] }[] };
    };
    expect(saved.content.cells[0]!.outputs.some((o) => "application/vnd.luci.record+json" in (o.data ?? {}))).toBe(true);
    await ui.screenshot("rename-story-01-task-run");
  }, 240_000);

  it("renamed in the title, the file and the kernel's session follow", async () => {
    await ui.page.click(".notebook-title");
    const name = ui.page.locator(".title-input");
    await name.waitFor();
    await name.fill("Loan analysis");
    await name.press("Enter");
    await ui.page.waitForURL(/\/notebooks\/Loan%20analysis\.ipynb$/);
    await ui.page.locator('.file-item[data-path="Loan analysis.ipynb"]').waitFor();
    expect(existsSync(join(server.root, "Loan analysis.ipynb"))).toBe(true);
    expect(existsSync(join(server.root, "Untitled.ipynb"))).toBe(false);
    const sessions = (await (await server.api("/api/sessions")).json()) as { path: string; name: string }[];
    expect(sessions.map((s) => [s.path, s.name])).toEqual([["Loan analysis.ipynb", "Loan analysis.ipynb"]]);
    await ui.screenshot("rename-story-02-renamed");
  });

  it("restarted from the toolbar, names the same environment for the new path and reruns the task from its record", async () => {
    await ui.page.click('.tool[data-action="restart"]');
    await ui.page.locator(".notice", { hasText: "Kernel restarted" }).waitFor({ timeout: 60_000 });
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 60_000 });

    // A cell below the task: %luci env, the first cell the new kernel runs.
    await taskCell().locator(".cell-prompt").click();
    await ui.page.click('.tool[data-action="add-python"]');
    const envCell = ui.page.locator(".notebook > .cell").nth(1);
    await envCell.locator(".cell-editor").click();
    await ui.page.keyboard.insertText("%luci env");
    await ui.page.keyboard.press("Control+Enter");
    await envCell.locator(".cell-prompt", { hasText: "[1]" }).waitFor({ timeout: 120_000 });
    expect(await envCell.locator(".cell-outputs").innerText()).toContain(`Environment ${firstEnvironment} for ${join(server.root, "Loan analysis.ipynb")}`);

    await taskCell().locator(".cell-editor").click();
    await ui.page.keyboard.press("Control+Enter");
    await taskCell().locator(".cell-prompt", { hasText: "[2]" }).waitFor({ timeout: 120_000 });
    expect((await taskCell().locator(".output-stdout").innerText()).trim()).toBe("42");
    expect(await taskCell().locator(".output-error").count()).toBe(0);
    expect(model.chatRequests).toHaveLength(1); // no second model call: the record ran
    expect(environmentFolders(envs)).toEqual([firstEnvironment]); // the same venv, no new one
    await ui.screenshot("rename-story-03-rerun-from-record");
    expect(ui.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  }, 240_000);
});
