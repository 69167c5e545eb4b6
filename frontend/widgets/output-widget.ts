// ipywidgets' Output widget, drawn by the page's own renderOutput (so its HTML is sanitised like
// any output). Capture works as in JupyterLab: while Python is inside `with out:` the model's
// msg_id is the id of the request that runs (a cell's execute_request, or the comm_msg a moved
// slider sent, which is how `interact` shows its results); the model hooks the kernel's iopub
// messages answering that id, keeps their outputs instead of the cell, and writes them back to
// the model's `outputs` so Python (and a saved widget state) sees them.
import * as base from "@jupyter-widgets/base";
import * as outputBase from "@jupyter-widgets/output";
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import { objectOr, strings, textOf } from "../model/json.js";
import type { Output } from "../model/notebook-model.js";
import { renderOutput } from "../outputs/render-output.js";

/** Each live manager's kernel (the static manager has none), told by the manager. */
const kernels = new WeakMap<object, Kernel.IKernelConnection>();

export function setManagerKernel(manager: object, kernel: Kernel.IKernelConnection): void {
  kernels.set(manager, kernel);
}

class OutputModel extends outputBase.OutputModel {
  // Declared, not initialised: Backbone calls initialize() from its constructor, and an
  // initialised field would be reset after it.
  declare private captured: Output[];
  declare private clearPending: boolean;
  declare private hookedId: string;
  declare private onMessage: (msg: KernelMessage.IIOPubMessage) => boolean;

  override defaults(): ReturnType<outputBase.OutputModel["defaults"]> {
    return { ...super.defaults(), msg_id: "", outputs: [] };
  }

  override initialize(attributes: Parameters<outputBase.OutputModel["initialize"]>[0], options: base.IBackboneModelOptions): void {
    super.initialize(attributes, options);
    this.clearPending = false;
    this.hookedId = "";
    this.onMessage = (msg) => this.capture(msg);
    this.on("change:msg_id", () => this.hook());
    this.on("change:outputs", (_model: unknown, _value: unknown, opts?: { fromCapture?: boolean }) => {
      if (!opts?.fromCapture) this.setOutputs(readOutputs(this.get("outputs")));
    });
    this.captured = readOutputs(this.get("outputs"));
    this.hook();
  }

  get outputs(): readonly Output[] {
    return this.captured;
  }

  private get kernel(): Kernel.IKernelConnection | undefined {
    const kernel = kernels.get(this.widget_manager);
    return kernel && !kernel.isDisposed ? kernel : undefined;
  }

  /** An iopub message answering the request Python is capturing: false keeps it from the cell. */
  private capture(msg: KernelMessage.IIOPubMessage): boolean {
    const content = objectOr(msg.content);
    const type = msg.header.msg_type;
    switch (type) {
      case "stream": {
        const name = content.name === "stderr" ? "stderr" : "stdout";
        const text = textOf(content.text);
        const last = this.clearPending ? undefined : this.captured.at(-1);
        if (last?.output_type === "stream" && last.name === name) this.setOutputs([...this.captured.slice(0, -1), { ...last, text: last.text + text }], true);
        else this.add({ output_type: "stream", name, text });
        return false;
      }
      case "display_data":
      case "execute_result":
        this.add({
          output_type: type,
          data: objectOr(content.data),
          metadata: objectOr(content.metadata),
          ...(type === "execute_result" ? { execution_count: typeof content.execution_count === "number" ? content.execution_count : null } : {}),
        });
        return false;
      case "error":
        this.add({ output_type: "error", ename: textOf(content.ename), evalue: textOf(content.evalue), traceback: strings(content.traceback) });
        return false;
      case "clear_output":
        if (content.wait) this.clearPending = true;
        else this.setOutputs([], true);
        return false;
      default:
        // Status, execute_input and the rest still go to the request's own handlers.
        return true;
    }
  }

  private hook(): void {
    const kernel = this.kernel;
    if (this.hookedId && kernel) kernel.removeMessageHook(this.hookedId, this.onMessage);
    this.hookedId = textOf(this.get("msg_id"));
    if (this.hookedId && kernel) kernel.registerMessageHook(this.hookedId, this.onMessage);
  }

  private add(output: Output): void {
    this.setOutputs([...(this.clearPending ? [] : this.captured), output], true);
  }

  /** New outputs; captured ones are sent back to the kernel's model. */
  private setOutputs(outputs: Output[], captured = false): void {
    this.clearPending = false;
    this.captured = outputs;
    this.trigger("outputs:changed");
    if (captured) {
      this.set("outputs", outputs, { fromCapture: true });
      this.save_changes();
    }
  }
}

class OutputView extends outputBase.OutputView {
  declare model: OutputModel;

  override render(): void {
    super.render();
    this.el.classList.add("jupyter-widgets", "widget-output");
    this.listenTo(this.model, "outputs:changed", () => this.draw());
    this.draw();
  }

  private draw(): void {
    this.el.replaceChildren(...this.model.outputs.map((output) => renderOutput(output)));
  }
}

/** Outputs as ipywidgets writes them in the `outputs` trait (nbformat, text maybe in lines). */
function readOutputs(value: unknown): Output[] {
  if (!Array.isArray(value)) return [];
  const joined = (v: unknown) => (Array.isArray(v) ? v.map(textOf).join("") : textOf(v));
  return value.flatMap((raw): Output[] => {
    const item = objectOr(raw);
    switch (item.output_type) {
      case "stream":
        return [{ output_type: "stream", name: item.name === "stderr" ? "stderr" : "stdout", text: joined(item.text) }];
      case "display_data":
      case "execute_result": {
        const data = Object.fromEntries(
          Object.entries(objectOr(item.data)).map(([mime, v]) => [mime, Array.isArray(v) && mime.startsWith("text/") ? joined(v) : v]),
        );
        return [{ output_type: item.output_type, data, metadata: objectOr(item.metadata) }];
      }
      case "error":
        return [{ output_type: "error", ename: textOf(item.ename), evalue: textOf(item.evalue), traceback: strings(item.traceback) }];
      default:
        return [];
    }
  });
}

/** What the manager hands out for the `@jupyter-widgets/output` module. */
export const outputWidgetModule = { OutputModel, OutputView };
