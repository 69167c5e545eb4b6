// Issue 13 on the page: the toolbar's model menu. With nothing configured for the kernels (no
// LUCI_LLM_*, Luci's own model off, no LM Studio or Ollama), the menu says so; choosing "an
// endpoint…" (the scripted server, which answers only with its key) makes it the user's default
// through /api/luci/model, the button names it, and a task in a new notebook is answered by that
// endpoint with that key. Reopened, the key field is empty and the menu says "key saved"; the key
// is nowhere in the page. Screenshots in test-results/screenshots/model-menu-*.png.
import { cpSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../server/index.js";
import { codeAnswer, startFakeModelServer, type FakeModelServer } from "../support/fake-model-server.js";
import { ROOT, usePage } from "./support/browser.js";

const KEY = "sk-menu-test-5d4c3b2a1f0e9d8c";
const base = mkdtempSync(join(tmpdir(), "luci-model-menu-"));
const config = join(base, "config");
let model: FakeModelServer;
let server: RunningServer;
const ui = usePage("model-menu", { width: 1280, height: 900 });

beforeAll(async () => {
  model = await startFakeModelServer({ apiKey: KEY });
  const root = join(base, "notebooks");
  cpSync(join(ROOT, "notebooks"), root, { recursive: true });
  server = await startServer({
    root,
    port: 0,
    token: "model-menu-token",
    kernelEnv: {
      LUCI_EXECUTOR: "local",
      LUCI_PYTHON: join(ROOT, ".venv", "bin", "python"),
      LUCI_STATE_DIR: join(base, "state"),
      LUCI_TRUST_DIR: join(base, "trust"),
      LUCI_MODELS_DIR: join(base, "models"),
      LUCI_LOCAL_MODEL: "off",
      XDG_CONFIG_HOME: config,
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await model?.close();
}, 60_000);

describe("the model menu", () => {
  it("sets an endpoint as the default, a new notebook's task is answered by it, and the key is never shown again", async () => {
    await ui.page.goto(server.url);
    const button = ui.page.locator(".model-menu-button");
    await expect.poll(() => button.innerText(), { timeout: 15_000 }).toContain("Model: none");

    await button.click();
    const panel = ui.page.locator(".model-panel");
    await panel.locator("form.model-endpoint").waitFor();
    expect(await panel.locator(".model-own .model-option").allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining("qwen2.5-coder-1.5b"), expect.stringContaining("qwen2.5-coder-0.5b")]),
    );
    expect(await panel.innerText()).toContain("No LM Studio (port 1234) or Ollama (port 11434) found.");
    await panel.locator('input[name="baseUrl"]').fill(model.baseUrl);
    await panel.locator('input[name="model"]').fill("fake-coder");
    await panel.locator('input[name="apiKey"]').fill(KEY);
    await ui.screenshot("model-menu-01-endpoint");
    await panel.locator(".model-endpoint-save").click();

    await expect.poll(() => button.innerText(), { timeout: 15_000 }).toBe(`Model: fake-coder at ${model.baseUrl} (your default; key saved)`);
    expect(await panel.isHidden()).toBe(true);
    const file = join(config, "luci", "model.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ default: { model: "fake-coder", baseUrl: model.baseUrl } });

    // Reopened: the endpoint's fields, an empty key field, and "key saved".
    await button.click();
    await panel.locator("form.model-endpoint").waitFor();
    expect(await panel.locator('input[name="baseUrl"]').inputValue()).toBe(model.baseUrl);
    expect(await panel.locator('input[name="apiKey"]').inputValue()).toBe("");
    expect(await panel.locator(".model-key-saved").innerText()).toBe("key saved");
    expect(await ui.page.content()).not.toContain(KEY);
    await ui.screenshot("model-menu-02-key-saved");
    await ui.page.keyboard.press("Escape");
    expect(await panel.isHidden()).toBe(true);

    // A new notebook's first task goes to that endpoint, with that key.
    model.enqueue(codeAnswer({ code: 'print("menu endpoint answered", 6 * 7)' }));
    await ui.page.click(".new-notebook");
    const name = ui.page.locator(".title-input");
    await name.waitFor();
    await name.fill("menu-model");
    await name.press("Enter");
    await ui.page.waitForURL(/\/notebooks\/menu-model\.ipynb$/);
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 60_000 });
    const cell = ui.page.locator(".notebook > .cell").first();
    await cell.locator(".cell-editor").click();
    await ui.page.keyboard.type("Print the answer to everything");
    await ui.page.keyboard.press("Control+Enter");
    await cell.locator(".output-stream", { hasText: "menu endpoint answered 42" }).waitFor({ timeout: 90_000 });
    expect(await cell.locator(".luci-code").innerText()).toContain("fake-coder");
    expect(model.chatRequests).toHaveLength(1);
    expect(model.chatRequests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    // The key went as the header, and nowhere else: not in the prompt, not in the page.
    expect(JSON.stringify(model.chatRequests[0]!.body)).not.toContain(KEY);
    expect(await ui.page.content()).not.toContain(KEY);
    await ui.screenshot("model-menu-03-task-answered");

    // "Forget the key": the default stays, its key is gone from the file.
    await button.click();
    await panel.locator(".model-forget-key").click();
    await expect.poll(() => button.innerText(), { timeout: 15_000 }).toBe(`Model: fake-coder at ${model.baseUrl} (your default)`);
    expect(readFileSync(file, "utf8")).not.toContain(KEY);
  });
});
