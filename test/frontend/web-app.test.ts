// A web-app task on Luci's own page (luci serve, Chromium, the fake model server): the cell ends
// with the app's link and a live frame of it, served through the server's proxy on the page's
// origin (the frame carries no token: the page's API calls gave it the apps' cookie), and the
// app's own link works inside the frame. Screenshots go to test-results/screenshots/.
import { describe, expect, it } from "vitest";
import { answer } from "../support/fake-model-server.js";
import { DASHBOARD } from "../kernel/apps/web-app-support.js";
import { usePage } from "./support/browser.js";
import { runTask } from "./support/cells.js";
import { usePageServer } from "./support/page-server.js";

const served = usePageServer();
const ui = usePage("web-app", { width: 1280, height: 900 });

describe("a web app on the page", () => {
  it("shows the app's link and a live frame of it through the server's proxy; its own links work in the frame", async () => {
    served.model.enqueue(answer({ code: DASHBOARD }));
    await ui.page.goto(served.server.url);
    await ui.page.click(".new-notebook");
    await ui.page.locator('.kernel-status[data-state="idle"]').waitFor({ timeout: 30_000 });
    const cell = await runTask(ui.page, "Show a sales dashboard as a web page");

    const link = cell.locator(".luci-app a");
    await link.waitFor({ timeout: 60_000 });
    const href = await link.getAttribute("href");
    expect(href).toMatch(/^\/luci\/apps\/[0-9a-f-]+\/1\/$/);
    const frame = ui.page.frameLocator(".luci-app-frame");
    await frame.locator("h1", { hasText: "Sales dashboard" }).waitFor({ timeout: 30_000 });
    await ui.screenshot("web-app-01-frame");
    // The app's link to /data, mended for the prefix, answers inside the frame (cookie, no token).
    await frame.locator("a", { hasText: "data" }).click();
    await frame.locator("body", { hasText: '{"total": 42}' }).waitFor({ timeout: 30_000 });
  });
});
