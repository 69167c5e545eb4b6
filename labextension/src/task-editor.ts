// A task cell's text is not Python: in a Luci notebook, each code cell's editor highlights its
// text as Python only when the kernel would run it as Python, by the page's own rule
// (frontend/model/cell-kind.ts, editorKind: the routing table, then Lezer's Python grammar, with
// Python being typed kept as Python). A task gets plain text, so `for`, `and` and an apostrophe
// are words. The rule is applied again as the user types, 250 ms after the last key, as the page
// does. Notebooks of other kernels are left as JupyterLab made them.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import type { Cell } from "@jupyterlab/cells";
import { INotebookTracker, type NotebookPanel } from "@jupyterlab/notebook";
import { editorKind } from "../../frontend/model/cell-kind.js";
import { isObject } from "../../frontend/model/json.js";

/** The kernelspecs `luci install` writes (kernel/cli/kernelspec.ts). */
const LUCI_KERNELS = new Set(["luci", "luci-container"]);
/** The mime type CodeMirror highlights nothing in. */
const TASK_MIME = "text/plain";
const DEBOUNCE_MS = 250;

/** Whether the notebook's kernel is Luci: its running kernel's name, else the kernelspec it was saved with. */
export function isLuciNotebook(panel: NotebookPanel): boolean {
  const running = panel.sessionContext.session?.kernel?.name;
  if (running) return LUCI_KERNELS.has(running);
  const spec: unknown = panel.model?.getMetadata("kernelspec");
  return isObject(spec) && typeof spec.name === "string" && LUCI_KERNELS.has(spec.name);
}

/**
 * Once `panel`'s notebook has loaded: `onCells` then and after each change to its cells (in a
 * microtask, when the change is applied), and `onChanged` when its metadata or its kernel
 * changes, either of which can make it a Luci notebook or not. The task editor and the
 * parameter strips follow a notebook alike.
 */
export function followNotebook(panel: NotebookPanel, onCells: () => void, onChanged: () => void): void {
  void panel.context.ready.then(() => {
    if (panel.isDisposed) return;
    onCells();
    panel.content.model?.cells.changed.connect(() => queueMicrotask(onCells));
    panel.content.model?.metadataChanged.connect(onChanged);
    panel.sessionContext.kernelChanged.connect(onChanged);
  });
}

/** The mime type the cell's editor should have: plain text for a task, else the notebook's Python. */
function wantedMime(panel: NotebookPanel, cell: Cell): string {
  const python = panel.content.codeMimetype;
  if (!isLuciNotebook(panel)) return python;
  return editorKind(cell.model.sharedModel.getSource(), "python") === "task" ? TASK_MIME : python;
}

/** Another plain-text mime type: setting it, then TASK_MIME, makes the editor apply plain text again. */
const RESET_MIME = "text/x-luci-task";

/** Whether the cell's editor highlights a language now (CodeMirror names it on its content element). */
function highlighted(cell: Cell): boolean {
  return Boolean(cell.node.querySelector(".cm-content")?.getAttribute("data-language"));
}

/** Keeps the code cells' editor modes of one notebook by the rule. */
function follow(panel: NotebookPanel): void {
  const timers = new Map<Cell, number>();
  const watched = new WeakSet<Cell>();

  const apply = (cell: Cell) => {
    if (cell.isDisposed || cell.model.type !== "code") return;
    const mime = wantedMime(panel, cell);
    if (cell.model.mimeType !== mime) cell.model.mimeType = mime;
  };
  const applyAll = () => {
    for (const cell of panel.content.widgets) apply(cell);
  };
  const later = (cell: Cell) => {
    window.clearTimeout(timers.get(cell));
    timers.set(
      cell,
      window.setTimeout(() => {
        timers.delete(cell);
        apply(cell);
      }, DEBOUNCE_MS),
    );
  };
  const watch = () => {
    for (const cell of panel.content.widgets) {
      if (cell.model.type !== "code" || watched.has(cell)) continue;
      watched.add(cell);
      cell.model.contentChanged.connect(() => later(cell));
      // JupyterLab sets every code cell to the notebook's mime type when the kernel's
      // language_info arrives and when a cell is made: the rule's answer is put back.
      cell.model.mimeTypeChanged.connect(() => apply(cell));
      // The editor applies a mime type's language when that language has loaded: Python asked
      // for just before the plain text can arrive after it. Then plain text is applied again.
      const late = new MutationObserver(() => {
        if (cell.model.mimeType !== TASK_MIME || !highlighted(cell)) return;
        cell.model.mimeType = RESET_MIME;
        cell.model.mimeType = TASK_MIME;
      });
      late.observe(cell.node, { subtree: true, attributes: true, attributeFilter: ["data-language"] });
      cell.disposed.connect(() => {
        late.disconnect();
        window.clearTimeout(timers.get(cell));
        timers.delete(cell);
      });
      apply(cell);
    }
  };

  followNotebook(panel, watch, applyAll);
  panel.disposed.connect(() => {
    for (const timer of timers.values()) window.clearTimeout(timer);
    timers.clear();
  });
}

export const taskEditorPlugin: JupyterFrontEndPlugin<void> = {
  id: "luci-jupyterlab:task-editor",
  description: "In Luci notebooks, highlights a code cell as Python only when it runs as Python; a task's text is plain.",
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, notebooks: INotebookTracker) => {
    notebooks.widgetAdded.connect((_tracker, panel) => follow(panel));
  },
};
