// A task's answer streaming on Luci's own page (luci serve, Chromium, the fake model server
// sending slowly): the plan's steps appear as a list and the code as highlighted code while the
// answer comes, in one output updated in place; the toolbar's interrupt leaves the note and the
// code that had come, folded. Screenshots go to test-results/screenshots/.
import { describe, expect, it } from "vitest";
import { codeAnswer } from "../support/fake-model-server.js";
import { usePage } from "./support/browser.js";
import { runTask } from "./support/cells.js";
import { usePageServer } from "./support/page-server.js";

const CODE = Array.from({ length: 60 }, (_, i) => `value_${i} = ${i} * 2`).join("\n");

const served = usePageServer();
const ui = usePage("streaming", { width: 1280, height: 900 });

describe("a task's answer streaming on the page", () => {
  it("shows the steps and highlighted code as they come; an interrupt leaves the note and the code that came, folded", async () => {
    served.model.enqueue({
      ...codeAnswer({ plan: { steps: [{ action: "Set the values" }, { action: "Double each of them" }] }, code: CODE }),
      chunkSize: 8,
      chunkDelayMs: 120,
    });
    await ui.page.goto(served.server.url);
    await ui.page.click(".new-notebook");
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    const cell = await runTask(ui.page, "Set sixty doubled values");

    const stream = cell.locator(".luci-stream-streaming");
    await stream.locator(".luci-steps li", { hasText: "Set the values" }).waitFor({ timeout: 60_000 });
    await stream.locator("pre.luci-source", { hasText: "value_3 = 3 * 2" }).waitFor({ timeout: 60_000 });
    // Highlighted as it comes: the comment and the numbers are tokens of their own.
    expect(await stream.locator(".tok-comment").first().innerText()).toBe("# Set the values");
    expect(await stream.locator(".tok-number").count()).toBeGreaterThan(3);
    expect(await stream.innerText()).not.toContain("```");
    await ui.screenshot("streaming-01-plan-and-code");
    await stream.locator("pre.luci-source", { hasText: "value_6 = 6 * 2" }).waitFor({ timeout: 60_000 });
    expect(await cell.locator(".luci-stream").count()).toBe(1);

    await ui.page.click('.tool[data-action="interrupt"]');
    const stopped = cell.locator(".luci-stream-interrupted");
    await stopped.waitFor({ timeout: 30_000 });
    const note = await stopped.locator(".luci-stream-note").innerText();
    const lines = Number(/^Interrupted while the model was writing; (\d+) lines of code had come\.$/.exec(note)![1]);
    expect(lines).toBeGreaterThanOrEqual(8);
    const fold = stopped.locator("details");
    expect(await fold.getAttribute("open")).toBeNull();
    expect(await fold.locator("summary").innerText()).toContain(`${lines} lines`);
    expect(((await fold.locator("pre.luci-source").textContent()) ?? "").split("\n").length).toBe(lines);
    await cell.locator(".output-error", { hasText: "KeyboardInterrupt" }).waitFor({ timeout: 30_000 });
    await fold.locator("summary").click();
    await ui.screenshot("streaming-02-interrupted");
  }, 120_000);
});
