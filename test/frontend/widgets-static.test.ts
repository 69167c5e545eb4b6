// Saved ipywidgets on the page, as nbviewer shows them: a notebook executed by nbconvert
// --execute with ipywidgets 8 (fixtures/saved-widgets.ipynb, made by nbconvert itself; its state
// is in metadata.widgets) opened on `luci serve` shows its slider, dropdown, HTML (sanitised),
// Output widget and `interact` box from the saved state, though the kernel has none of them.
// The widget code loads only then: a notebook without widgets does not fetch it. Screenshots
// widgets-static-*.
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Request } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, usePage } from "./support/browser.js";
import { usePageServer } from "./support/page-server.js";

const served = usePageServer();
const ui = usePage("widgets-static", { width: 1280, height: 1200 });
const requested: string[] = [];
const cell = (i: number) => ui.page.locator(".notebook > .cell").nth(i);

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "frontend", "widgets.css"))) throw new Error("dist/frontend is not built with the widgets: run npm run build:frontend");
  copyFileSync(join(import.meta.dirname, "fixtures", "saved-widgets.ipynb"), join(served.root, "saved-widgets.ipynb"));
  ui.page.on("request", (request: Request) => requested.push(new URL(request.url()).pathname));
}, 60_000);

const widgetCode = () => requested.filter((path) => path.startsWith("/static/chunks/widget-manager") || path === "/static/widgets.css");

describe("a notebook with saved widget state", () => {
  it("a notebook without widgets does not load the widget code", async () => {
    await ui.page.goto(`${served.server.baseUrl}notebooks/loan-payment.ipynb?token=page-test-token`);
    await ui.page.locator(".notebook > .cell").first().waitFor();
    await ui.page.locator(".kernel-status[data-state='idle']").waitFor({ timeout: 60_000 });
    expect(widgetCode()).toEqual([]);
  });

  it("shows the saved widgets, styled, with no kernel holding them", async () => {
    await ui.page.goto(`${served.server.baseUrl}notebooks/saved-widgets.ipynb?token=page-test-token`);
    const slider = cell(0).locator(".widget-slider");
    await slider.waitFor({ timeout: 30_000 });
    expect(widgetCode().length).toBe(2);
    // The slider's saved value and description; the controls' CSS is there (a flex row, the
    // handle drawn by noUiSlider's stylesheet).
    expect(await slider.locator(".widget-readout").innerText()).toBe("7");
    expect(await slider.locator(".widget-label").innerText()).toBe("Saved");
    expect(await ui.page.evaluate<string>(`getComputedStyle(document.querySelectorAll(".notebook > .cell")[0].querySelector(".widget-slider")).display`)).toBe(
      "flex",
    );
    expect(await ui.page.evaluate<string>(`getComputedStyle(document.querySelector(".notebook .widget-slider .noUi-handle")).position`)).toBe("absolute");
    // Not the text repr.
    expect(await cell(0).locator(".cell-outputs").innerText()).not.toContain("IntSlider(");

    const dropdown = cell(1).locator(".widget-dropdown select");
    await dropdown.waitFor();
    expect(await dropdown.inputValue()).toBe("green");
    expect(await dropdown.locator("option").allInnerTexts()).toEqual(["red", "green", "blue"]);
  });

  it("sanitises an HTML widget's value", async () => {
    const html = cell(2).locator(".widget-html-content");
    await html.waitFor();
    expect(await html.locator("b.saved-bold").innerText()).toBe("bold");
    // DOMPurify took the handler and the script out; the CSP would have refused them anyway.
    expect(await html.locator("b.saved-bold").getAttribute("onclick")).toBeNull();
    expect(await html.locator("script").count()).toBe(0);
  });

  it("shows an Output widget's and interact's saved outputs through the page's renderer", async () => {
    const output = cell(3).locator(".widget-output");
    await output.waitFor();
    expect((await output.locator(".output-stdout").innerText()).trim()).toBe("captured in the output widget");

    const box = cell(4).locator(".widget-interact");
    await box.waitFor();
    expect(await box.locator(".widget-readout").innerText()).toBe("4");
    expect((await box.locator(".widget-output .output-stdout").innerText()).trim()).toBe("n is 4");
    await ui.screenshot("widgets-static-saved");
    // A static view moves on the page only: there is no kernel to tell, and nothing fails.
    await cell(0).locator(".widget-slider .noUi-handle").focus();
    await ui.page.keyboard.press("ArrowRight");
    await cell(0).locator(".widget-slider .widget-readout", { hasText: /^8$/ }).waitFor();
    // Chromium reports the refused onclick while DOMPurify parses the HTML (notebook-page.test.ts
    // sees the same); nothing else may go wrong.
    expect(ui.errors.filter((e) => !/Executing inline event handler violates/.test(e))).toEqual([]);
    expect(await ui.page.title()).not.toMatch(/^[12]$/);
  });
});
