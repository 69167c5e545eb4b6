// What the record's panel does to its notebook in JupyterLab, as Luci's page does it
// (frontend/app.ts, frontend/views/notebook-view.ts): the trust button runs
// `%luci trust` through the notebook's kernel and answers its question (the notebook's name) for
// the person who clicked, then reruns the cells the kernel refused.
import { CodeCell, type Cell } from "@jupyterlab/cells";
import { NotebookActions, type NotebookPanel } from "@jupyterlab/notebook";
import type { IOutputAreaModel } from "@jupyterlab/outputarea";
import { KernelMessage } from "@jupyterlab/services";
import { objectOr } from "../../frontend/model/json.js";

/** The cell's outputs (a code cell's; none for markdown and raw cells). */
export function outputsOf(cell: Cell): IOutputAreaModel | undefined {
  return cell instanceof CodeCell ? cell.model.outputs : undefined;
}

/** Whether the kernel refused to run the cell's record: someone else made it, and the notebook is not trusted. */
export function isRefused(cell: Cell): boolean {
  const outputs = outputsOf(cell);
  if (!outputs) return false;
  for (let i = 0; i < outputs.length; i++) {
    const output = objectOr(outputs.get(i).toJSON());
    if (output.output_type === "error" && output.ename === "NotTrusted") return true;
  }
  return false;
}

/** Reruns the cells whose records the kernel refused. */
export async function rerun(panel: NotebookPanel): Promise<void> {
  const refused = panel.content.widgets.filter(isRefused);
  if (refused.length) await NotebookActions.runCells(panel.content, refused, panel.sessionContext);
}

/**
 * Runs `%luci trust` in the notebook's kernel, answering the notebook's name to its question;
 * resolves with what the kernel said last ("Trusted 1 recorded program of …"), rejects with its error.
 */
export async function trustNotebook(panel: NotebookPanel): Promise<string> {
  const kernel = panel.sessionContext.session?.kernel;
  if (!kernel) throw new Error("the notebook has no kernel");
  const name = panel.context.path.split("/").pop() ?? "";
  let text = "";
  let error = "";
  const future = kernel.requestExecute({ code: "%luci trust", allow_stdin: true, store_history: false, silent: false });
  future.onIOPub = (msg) => {
    if (KernelMessage.isStreamMsg(msg)) text += msg.content.text;
    if (KernelMessage.isErrorMsg(msg)) error = `${msg.content.ename}: ${msg.content.evalue}`;
  };
  future.onStdin = (msg) => {
    // The kernel asks a person to confirm: the click on the button is their answer.
    if (KernelMessage.isInputRequestMsg(msg)) future.sendInputReply({ status: "ok", value: name }, msg.header);
  };
  await future.done;
  if (error) throw new Error(error);
  return text.trim().split("\n").at(-1) || "Trusted.";
}
