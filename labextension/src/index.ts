// Luci's JupyterLab extension: a renderer for the kernel's application/vnd.luci.*+json outputs
// (plan, code, validation, record, the answer as it streams), drawn by the page's own renderers (frontend/outputs/), so a
// task cell looks in JupyterLab as it does on Luci's page. A plugin rather than a bare MIME
// extension because the record's panel acts on its cell: its trust button answers the kernel's
// `%luci trust` question. A second plugin (task-editor.ts) highlights a task cell's text as plain
// text, not as Python; a third (parameter-panel.ts) shows a task's parameters as controls under
// its input that rerun its recorded code.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { INotebookTracker } from "@jupyterlab/notebook";
import { IRenderMimeRegistry } from "@jupyterlab/rendermime";
import { LUCI_MIME, LUCI_STREAM_MIME } from "../../frontend/outputs/luci-renderers.js";
import { LuciRenderer } from "./renderer.js";
import { parameterPanelPlugin } from "./parameter-panel.js";
import { taskEditorPlugin } from "./task-editor.js";

/**
 * Before JupyterLab's own renderers (HTML is 50, markdown 60): the kernel's text/html and
 * text/markdown of the same output are the plain fallbacks for GitHub and nbviewer.
 */
const RANK = 20;

const plugin: JupyterFrontEndPlugin<void> = {
  id: "luci-jupyterlab:renderers",
  description: "Renders Luci's task outputs (plan, code, validation, record, the streaming answer) as Luci's page does.",
  autoStart: true,
  requires: [IRenderMimeRegistry, INotebookTracker],
  activate: (_app: JupyterFrontEnd, rendermime: IRenderMimeRegistry, notebooks: INotebookTracker) => {
    rendermime.addFactory(
      {
        // Every string goes in as text (frontend/outputs/luci-renderers.ts): safe in an untrusted notebook too.
        safe: true,
        mimeTypes: [...Object.values(LUCI_MIME), LUCI_STREAM_MIME],
        defaultRank: RANK,
        createRenderer: (options) => new LuciRenderer(options.mimeType, notebooks),
      },
      RANK,
    );
  },
};

export default [plugin, taskEditorPlugin, parameterPanelPlugin];
