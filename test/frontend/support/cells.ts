// Running cells on Luci's page the way a user does, for the page tests: a new cell from the
// toolbar, its text put in, Ctrl-Enter. The cell is found again by its id, so the locator keeps
// to it when the selection moves on.
import type { Locator, Page } from "playwright-core";

/** The cell with this id in the notebook shown. */
function cellWithId(page: Page, id: string | null): Locator {
  return page.locator(`.notebook > .cell[data-cell-id="${id}"]`);
}

/**
 * Adds a Python cell below the selected one, puts `code` in (as a paste would: no auto-indent)
 * and runs it; unless `wait` is false, resolves once it has run (its prompt shows [n]).
 */
export async function runPython(page: Page, code: string, { timeout = 30_000, wait = true } = {}): Promise<Locator> {
  await page.click('.tool[data-action="add-python"]');
  const id = await page.locator(".notebook > .cell.cell-selected").getAttribute("data-cell-id");
  await page.keyboard.insertText(code);
  await page.keyboard.press("Control+Enter");
  const cell = cellWithId(page, id);
  if (wait) await cell.locator(".cell-prompt", { hasText: /^\[\d+\]$/ }).waitFor({ timeout });
  return cell;
}

/** Adds a task cell below the selected one, types `task` into it and runs it; resolves once it has been sent. */
export async function runTask(page: Page, task: string): Promise<Locator> {
  await page.click('.tool[data-action="add-task"]');
  const id = await page.locator(".notebook > .cell.cell-selected").getAttribute("data-cell-id");
  await page.keyboard.type(task);
  await page.keyboard.press("Control+Enter");
  return cellWithId(page, id);
}
