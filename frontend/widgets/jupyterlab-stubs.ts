// Stand-ins for @jupyterlab/rendermime and @jupyterlab/outputarea in the widget chunk (aliased
// by build.mjs). The HTML manager builds a rendermime registry and imports JupyterLab's output
// area for its own Output widget; the page replaces that widget with output-widget.ts (drawn by
// renderOutput, through the page's sanitiser), so neither is ever used, and the real packages
// would bring JupyterLab's UI toolkit (several MB) into the page.
export class RenderMimeRegistry {
  addFactory(): void {
    /* no renderers: outputs are drawn by the page's renderOutput */
  }
}
export const standardRendererFactories: never[] = [];
export class OutputAreaModel {}
export class OutputArea {}
