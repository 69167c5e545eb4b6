// A task cell's `{name=value}` parameters as controls in JupyterLab: the page's own controls
// (frontend/views/parameter-fields.ts: a slider and a number box, a checkbox, a text box) in a
// strip between the cell's input and its outputs, in Luci notebooks only. Part of the cell, not
// of an output: a rerun clears the outputs, and a slider under the hand must stay where it is.
//
// A change writes the new value into the cell's text (the notebook's shared model: what is
// saved, and what nbconvert and papermill read) and runs the cell through the notebook's session
// with NotebookActions.runCells, as JupyterLab's own run command does; the kernel reruns the
// recorded code with the new value, with no model call.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import type { Cell } from "@jupyterlab/cells";
import { INotebookTracker, NotebookActions, type NotebookPanel } from "@jupyterlab/notebook";
import { PanelLayout, Widget } from "@lumino/widgets";
import { editorKind } from "../../frontend/model/cell-kind.js";
import { ParameterFields, type ParameterHost } from "../../frontend/views/parameter-fields.js";
import { outputsOf } from "./cell-actions.js";
import { followNotebook, isLuciNotebook } from "./task-editor.js";

/** The class of the cell's input wrapper (JupyterLab's CELL_INPUT_WRAPPER_CLASS): the strip goes after it. */
const INPUT_WRAPPER = "jp-Cell-inputWrapper";

/** The cell the controls act on, through the notebook's model and session. */
class CellHost implements ParameterHost {
  constructor(
    private readonly panel: NotebookPanel,
    private readonly cell: Cell,
  ) {}

  source(): string {
    return this.cell.model.sharedModel.getSource();
  }

  outputs(): readonly unknown[] {
    return outputsOf(this.cell)?.toJSON() ?? [];
  }

  setSource(source: string): void {
    this.cell.model.sharedModel.setSource(source);
  }

  async setSourceAndRun(source: string): Promise<void> {
    this.setSource(source);
    try {
      await NotebookActions.runCells(this.panel.content, [this.cell], this.panel.sessionContext);
    } catch {
      // JupyterLab shows a failed run in the cell itself.
    }
  }
}

/** The strip of one cell: shown when the cell is a task with parameters in a Luci notebook. */
class ParameterStrip extends Widget {
  private readonly fields: ParameterFields;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly cell: Cell,
  ) {
    super();
    this.addClass("luci-jl");
    this.addClass("luci-jl-params");
    // JupyterLab's command-mode keys (a, b, d d, arrows) stay out of the controls.
    this.node.dataset.lmSuppressShortcuts = "true";
    this.fields = new ParameterFields(new CellHost(panel, cell));
    this.node.append(this.fields.element);
  }

  refresh(): void {
    if (this.isDisposed || this.cell.isDisposed) return;
    const task = isLuciNotebook(this.panel) && editorKind(this.cell.model.sharedModel.getSource(), "python") === "task";
    if (task) this.fields.update();
    this.setHidden(!task || this.fields.element.hidden);
  }
}

/** Gives each code cell of the notebook its strip, once the cell has drawn its input. */
function follow(panel: NotebookPanel): void {
  const strips = new Map<Cell, ParameterStrip>();

  const attach = (cell: Cell) => {
    if (cell.model.type !== "code" || strips.has(cell)) return;
    const strip = new ParameterStrip(panel, cell);
    strips.set(cell, strip);
    void cell.ready.then(() => {
      if (cell.isDisposed) return;
      const layout = cell.layout;
      if (!(layout instanceof PanelLayout)) return;
      const at = layout.widgets.findIndex((w) => w.hasClass(INPUT_WRAPPER));
      layout.insertWidget(at === -1 ? layout.widgets.length : at + 1, strip);
      strip.refresh();
    });
    const update = () => strip.refresh();
    cell.model.contentChanged.connect(update);
    outputsOf(cell)?.changed.connect(update);
    cell.disposed.connect(() => {
      strips.delete(cell);
      strip.dispose();
    });
  };
  const attachAll = () => {
    for (const cell of panel.content.widgets) attach(cell);
  };
  const updateAll = () => {
    for (const strip of strips.values()) strip.refresh();
  };

  followNotebook(panel, attachAll, updateAll);
}

export const parameterPanelPlugin: JupyterFrontEndPlugin<void> = {
  id: "luci-jupyterlab:parameters",
  description: "A Luci task's {name=value} parameters as controls (slider, number box, checkbox, text box) that rerun its recorded code.",
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, notebooks: INotebookTracker) => {
    notebooks.widgetAdded.connect((_tracker, panel) => follow(panel));
  },
};
