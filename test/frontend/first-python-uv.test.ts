// Issue 13, "a newcomer's first hour", on the page: `luci serve` as `npm start` runs it, with
// nothing configured (no LUCI_UV, no uv on PATH, uv where `luci install` leaves it in Luci's
// tools venv, as test/server/serve-uv.test.ts arranges it), in Chromium. "+ New", then the new
// notebook's first cell as Python: it shows the environment's progress line naming uv and runs in
// that environment. Screenshot first-python-uv.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UV } from "../kernel/environments/environment-kernel.js";
import { startUnconfiguredServer, type ChildServer } from "../server/child-server.js";
import { ROOT, usePage } from "./support/browser.js";

let server: ChildServer;
let scratch: string;
let envs: string;
const ui = usePage("first-python-uv", { width: 1280, height: 900 });

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "frontend", "main.js"))) throw new Error("dist/frontend is not built: run npm run build");
  if (!existsSync(UV)) throw new Error(`uv is needed at ${UV} (bash .ci/run installs it into .venv)`);
  scratch = mkdtempSync(join(tmpdir(), "luci-first-python-"));
  ({ server, envs } = await startUnconfiguredServer(scratch, UV));
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("a new notebook's first Python cell under luci serve with nothing configured", () => {
  it("shows the environment being made with uv, and runs in it", async () => {
    await ui.page.goto(`${server.base.href}?token=${server.token}`);
    await ui.page.click(".new-notebook");
    const name = ui.page.locator(".title-input");
    await name.waitFor();
    await name.fill("first");
    await name.press("Enter");
    await ui.page.waitForURL(/\/notebooks\/first\.ipynb$/);
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });

    const cell = ui.page.locator(".notebook > .cell").first();
    await cell.locator(".cell-editor").click();
    await ui.page.keyboard.insertText("import sys\nprint(sys.prefix)");
    await ui.page.keyboard.press("Control+Enter");
    await cell.locator(".cell-prompt", { hasText: /^\[\d+\]$/ }).waitFor({ timeout: 120_000 });

    expect(await cell.getAttribute("data-kind")).toBe("python");
    const progress = cell.locator(".cell-outputs", { hasText: "Creating environment" });
    expect(await progress.innerText()).toMatch(/Creating environment luci_Untitled_[0-9a-f]{8} with uv… done in [\d.]+ s \(Python 3\.\d+/);
    // Named after the notebook's first name: its kernel started before the rename, and a
    // notebook's environment follows it (test/server/notebook-rename.test.ts).
    const made = readdirSync(envs).filter((n) => n.startsWith("luci_Untitled_") && !n.endsWith(".lock"));
    expect(made).toHaveLength(1);
    const venv = join(envs, made[0]!);
    expect((await cell.locator(".output-stdout").innerText()).trim()).toBe(venv); // the cell ran in it
    expect(readFileSync(join(venv, "pyvenv.cfg"), "utf8")).toMatch(/^uv = \d+\.\d+\.\d+/m);
    expect(await cell.locator(".output-error").count()).toBe(0);
    await ui.screenshot("first-python-uv");
    expect(ui.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  }, 180_000);
});
