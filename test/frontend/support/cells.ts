// Running cells on Luci's page the way a user does, for the page tests: a new cell from the
// toolbar, its text put in, Ctrl-Enter. The cell is found again by its id, so the locator keeps
// to it when the selection moves on. And a slider dragged with the mouse (on the page and in
// JupyterLab alike).
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

/**
 * Takes a range input's thumb where it sits at the start (the middle of its track: the recorded
 * value is the middle of a parameter's range) and moves it, held, to `fraction` of the track in
 * many small moves, as a hand does; the caller releases it (page.mouse.up()).
 */
export async function dragSliderFromMiddle(page: Page, slider: Locator, fraction: number): Promise<void> {
  const box = (await slider.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width / 2, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * fraction, y, { steps: 25 });
}

/** Adds a task cell below the selected one, types `task` into it and runs it; resolves once it has been sent. */
export async function runTask(page: Page, task: string): Promise<Locator> {
  await page.click('.tool[data-action="add-task"]');
  const id = await page.locator(".notebook > .cell.cell-selected").getAttribute("data-cell-id");
  await page.keyboard.type(task);
  await page.keyboard.press("Control+Enter");
  return cellWithId(page, id);
}
