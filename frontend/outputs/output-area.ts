// A cell's outputs, kept in the cell's model and drawn in place as iopub messages arrive:
// stream text is merged into the last stream of the same name (with \r and \b handled as a
// terminal would), clear_output(wait=True) clears at the next output, and display_data with a
// display_id is registered so update_display_data redraws it wherever it is, in any cell.
import type { KernelMessage } from "@jupyterlab/services";
import type { CellModel, JsonObject, Output } from "../model/notebook-model.js";
import { objectOr, strings, textOf } from "../model/json.js";
import { appendAnsi } from "./ansi.js";
import { renderOutput } from "./render-output.js";

/** display_id -> the outputs showing it (one display can appear in several cells). */
export class DisplayRegistry {
  private readonly byId = new Map<string, Set<{ area: OutputArea; output: Output }>>();

  add(id: string, area: OutputArea, output: Output): void {
    let set = this.byId.get(id);
    if (!set) this.byId.set(id, (set = new Set()));
    set.add({ area, output });
  }

  update(id: string, data: JsonObject, metadata: JsonObject): boolean {
    const set = this.byId.get(id);
    if (!set?.size) return false;
    for (const { area, output } of set) {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") continue;
      output.data = data;
      output.metadata = metadata;
      area.redraw(output);
    }
    return true;
  }

  forget(area: OutputArea): void {
    for (const set of this.byId.values()) for (const entry of set) if (entry.area === area) set.delete(entry);
  }
}

export class OutputArea {
  readonly element: HTMLElement;
  private readonly nodes = new Map<Output, HTMLElement>();
  private clearPending = false;

  constructor(
    private readonly cell: CellModel,
    private readonly displays: DisplayRegistry,
    private readonly changed: () => void,
  ) {
    this.element = document.createElement("div");
    this.element.className = "cell-outputs";
    this.element.setAttribute("aria-live", "polite");
    this.renderAll();
  }

  renderAll(): void {
    this.element.replaceChildren();
    this.nodes.clear();
    for (const output of this.cell.outputs) this.append(output);
    this.element.hidden = this.cell.outputs.length === 0;
  }

  clear(): void {
    this.clearPending = false;
    this.displays.forget(this);
    this.cell.outputs = [];
    this.renderAll();
    this.changed();
  }

  /** Handles one iopub message of this cell's execution; returns false for messages it ignores. */
  handle(msg: KernelMessage.IIOPubMessage): boolean {
    // Read field by field: the content's type follows msg_type, which the switch has not yet seen.
    const content: JsonObject = { ...msg.content };
    switch (msg.header.msg_type) {
      case "stream":
        this.addStream(content.name === "stderr" ? "stderr" : "stdout", textOf(content.text));
        return true;
      case "display_data":
      case "execute_result": {
        const output: Output = {
          output_type: msg.header.msg_type,
          data: objectOr(content.data),
          metadata: objectOr(content.metadata),
          ...(msg.header.msg_type === "execute_result"
            ? { execution_count: typeof content.execution_count === "number" ? content.execution_count : null }
            : {}),
        };
        this.add(output);
        const displayId = textOf(objectOr(content.transient).display_id);
        if (displayId) this.displays.add(displayId, this, output);
        return true;
      }
      case "update_display_data": {
        const displayId = textOf(objectOr(content.transient).display_id);
        if (displayId) this.displays.update(displayId, objectOr(content.data), objectOr(content.metadata));
        this.changed();
        return true;
      }
      case "error":
        this.add({
          output_type: "error",
          ename: textOf(content.ename),
          evalue: textOf(content.evalue),
          traceback: strings(content.traceback),
        });
        return true;
      case "clear_output":
        if (content.wait) this.clearPending = true;
        else this.clear();
        return true;
      default:
        return false;
    }
  }

  add(output: Output): void {
    if (this.clearPending) this.clear();
    this.cell.outputs.push(output);
    this.append(output);
    this.element.hidden = false;
    this.changed();
  }

  redraw(output: Output): void {
    const old = this.nodes.get(output);
    if (!old) return;
    const node = renderOutput(output);
    old.replaceWith(node);
    this.nodes.set(output, node);
  }

  private addStream(name: "stdout" | "stderr", text: string): void {
    if (this.clearPending) this.clear();
    const last = this.cell.outputs.at(-1);
    if (last?.output_type === "stream" && last.name === name) {
      const node = this.nodes.get(last);
      if (node && !/[\r\x08]/.test(text) && !last.text.endsWith("\r")) {
        // The common case, a long print: append, rather than draw the whole text again.
        last.text += text;
        appendAnsi(node, text);
      } else {
        last.text = terminalText(last.text + text);
        this.redraw(last);
      }
      this.changed();
      return;
    }
    this.add({ output_type: "stream", name, text: terminalText(text) });
  }

  private append(output: Output): void {
    const node = renderOutput(output);
    this.nodes.set(output, node);
    this.element.append(node);
  }
}

/** Applies \r (back to the line start, unless followed by \n) and \b as a terminal would. */
function terminalText(text: string): string {
  if (!/[\r\x08]/.test(text)) return text;
  let out = text.replace(/\r\n/g, "\n");
  while (/[^\n\x08]\x08/.test(out)) out = out.replace(/[^\n\x08]\x08/, "");
  out = out.replace(/\x08/g, "");
  // Keep what follows the last \r on each line, except a trailing \r (the next chunk may continue it).
  return out
    .split("\n")
    .map((line) => {
      const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
      const at = trimmed.lastIndexOf("\r");
      return at === -1 ? line : trimmed.slice(at + 1) + (line.endsWith("\r") ? "\r" : "");
    })
    .join("\n");
}
