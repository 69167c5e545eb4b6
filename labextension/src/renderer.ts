// One Luci output in JupyterLab, drawn by the page's renderers (frontend/outputs/luci-renderers.ts:
// every string as text, collapsible panels, the code highlighted with a copy button, the answer
// as it streams). The record's
// output also carries, when the kernel refused to run the record because someone else made it,
// the trust banner (frontend/views/trust-banner.ts), which acts on the output's cell, found once
// the output is in the page. A task's parameters are controls on the cell itself
// (parameter-panel.ts), which a rerun's cleared outputs do not take away.
import type { Cell } from "@jupyterlab/cells";
import type { INotebookTracker, NotebookPanel } from "@jupyterlab/notebook";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { el } from "../../frontend/dom.js";
import { objectOr } from "../../frontend/model/json.js";
import { LUCI_MIME, LUCI_STREAM_MIME, renderCode, renderPlan, renderRecord, renderStream, renderValidation } from "../../frontend/outputs/luci-renderers.js";
import { TrustBanner } from "../../frontend/views/trust-banner.js";
import { isRefused, outputsOf, rerun, trustNotebook } from "./cell-actions.js";

export class LuciRenderer extends Widget implements IRenderMime.IRenderer {
  private record?: RecordActions;

  constructor(
    private readonly mimeType: string,
    private readonly notebooks: INotebookTracker,
  ) {
    super();
    this.addClass("luci-jl");
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const value = objectOr(model.data[this.mimeType]);
    this.record?.dispose();
    this.record = undefined;
    switch (this.mimeType) {
      case LUCI_MIME.plan:
        this.node.replaceChildren(renderPlan(value));
        break;
      case LUCI_MIME.code:
        this.node.replaceChildren(renderCode(value));
        break;
      case LUCI_MIME.validation:
        this.node.replaceChildren(renderValidation(value));
        break;
      case LUCI_STREAM_MIME:
        // The answer as it streams, redrawn in place at each update of its display.
        this.node.replaceChildren(renderStream(value));
        break;
      default:
        this.record = new RecordActions(this.node, this.notebooks);
        this.node.replaceChildren(this.record.element, renderRecord(value));
        if (this.isAttached) this.record.bind();
    }
  }

  protected override onAfterAttach(): void {
    this.record?.bind();
  }

  override dispose(): void {
    this.record?.dispose();
    super.dispose();
  }
}

/** The record's trust banner, bound to the cell the output is in. */
class RecordActions {
  readonly element = el("div", { class: "luci-jl-actions", attrs: { "data-lm-suppress-shortcuts": "true" } });
  private unbind?: () => void;
  private tries = 0;

  constructor(
    private readonly node: HTMLElement,
    private readonly notebooks: INotebookTracker,
  ) {}

  /** Finds the output's cell (once it is in the page: retried for a few frames) and shows what applies to it. */
  bind(): void {
    if (this.unbind) return;
    const found = this.findCell();
    if (!found) {
      if (this.tries++ < 30) requestAnimationFrame(() => this.bind());
      return;
    }
    const { panel, cell } = found;
    const banner = new TrustBanner(async () => {
      const said = await trustNotebook(panel);
      await rerun(panel);
      return said;
    });
    this.element.replaceChildren(banner.element);
    const update = () => banner.show(isRefused(cell));
    update();
    cell.model.contentChanged.connect(update);
    cell.model.stateChanged.connect(update);
    const outputs = outputsOf(cell);
    outputs?.changed.connect(update);
    this.unbind = () => {
      cell.model.contentChanged.disconnect(update);
      cell.model.stateChanged.disconnect(update);
      outputs?.changed.disconnect(update);
    };
  }

  dispose(): void {
    this.unbind?.();
    this.tries = Number.POSITIVE_INFINITY;
  }

  private findCell(): { panel: NotebookPanel; cell: Cell } | undefined {
    if (!this.node.isConnected) return undefined;
    let result: { panel: NotebookPanel; cell: Cell } | undefined;
    this.notebooks.forEach((panel) => {
      const cell = panel.content.widgets.find((c) => c.node.contains(this.node));
      if (cell && !result) result = { panel, cell };
    });
    return result;
  }
}
