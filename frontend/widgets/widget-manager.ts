// The widget code, loaded lazily by widget-host.ts (its own chunk; its CSS is widgets.css).
// Two managers, both the Jupyter widgets HTML manager (@jupyter-widgets/html-manager) extended:
// - LiveWidgetManager talks to the session's kernel over comms, as JupyterLab's
//   KernelWidgetManager does: the kernel's comm_open makes a model, a model made here opens its
//   comm, a page reloaded on a running kernel fetches the widgets' states through the
//   `jupyter.widget.control` comm (ipywidgets 8; older kernels: one comm per model), and a
//   restart or a dead kernel closes every model (their views go) because their comms are gone.
// - StaticWidgetManager draws the notebook's saved state (metadata.widgets, as nbconvert
//   --execute and JupyterLab save it) with no kernel: the views show and change nothing.
// The Output widget is our own (output-widget.ts): it draws with the page's renderOutput, so its
// HTML goes through the page's sanitiser like any output. The HTML widgets are sanitised too.
import * as base from "@jupyter-widgets/base";
import * as controls from "@jupyter-widgets/controls";
import { HTMLManager } from "@jupyter-widgets/html-manager/lib/htmlmanager.js";
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import type { JsonObject } from "../model/notebook-model.js";
import { safeFragment } from "../outputs/sanitize.js";
import { outputWidgetModule, setManagerKernel } from "./output-widget.js";

type ModelClass = typeof base.WidgetModel | typeof base.WidgetView;
type CommData = KernelMessage.ICommOpenMsg["content"]["data"];
type ManagerState = Parameters<HTMLManager["set_state"]>[0];

/** controls' HTML and HTMLMath views put the value in with innerHTML; ours sanitise it first. */
class SafeHTMLView extends controls.HTMLView {
  override update(options?: unknown): void {
    this.content.replaceChildren(safeFragment(String(this.model.get("value") ?? "")));
    controls.StringView.prototype.update.call(this, options);
  }
}
class SafeHTMLMathView extends controls.HTMLMathView {
  override update(options?: unknown): void {
    this.content.replaceChildren(safeFragment(String(this.model.get("value") ?? "")));
    controls.StringView.prototype.update.call(this, options);
  }
}
const SAFE_VIEWS: Record<string, ModelClass> = { HTMLView: SafeHTMLView, HTMLMathView: SafeHTMLMathView };

abstract class LuciWidgetManager extends HTMLManager {
  /** Every model this manager made, so a restart can close them (ManagerBase keeps its map private). */
  protected readonly models = new Map<string, Promise<base.WidgetModel>>();
  protected disposed = false;

  override register_model(model_id: string, modelPromise: Promise<base.WidgetModel>): void {
    super.register_model(model_id, modelPromise);
    this.models.set(model_id, modelPromise);
    void modelPromise.then(
      (model) => model.once("comm:close", () => this.models.delete(model_id)),
      () => this.models.delete(model_id),
    );
  }

  protected override async loadClass(className: string, moduleName: string, moduleVersion: string): Promise<ModelClass> {
    if (moduleName === "@jupyter-widgets/output") {
      const found = (outputWidgetModule as Record<string, ModelClass | undefined>)[className];
      if (!found) throw new Error(`Class ${className} not found in module ${moduleName}@${moduleVersion}`);
      return found;
    }
    if (moduleName === "@jupyter-widgets/controls" && SAFE_VIEWS[className] && !moduleVersion.startsWith("1.")) return SAFE_VIEWS[className];
    return super.loadClass(className, moduleName, moduleVersion);
  }

  /** HTML in a description (description_allow_html) goes through the page's sanitiser. */
  override inline_sanitize(source: string): string {
    const holder = document.createElement("div");
    holder.append(safeFragment(source));
    return holder.innerHTML;
  }

  /** Draws the model's view into the box; the box says so when the view goes (model closed). */
  async show(modelId: string, box: HTMLElement): Promise<void> {
    const model = await this.get_model(modelId);
    const view = await this.create_view(model, {});
    box.replaceChildren();
    await this.display_view(view, box);
    view.once("remove", () => {
      if (box.isConnected) box.replaceChildren(closedNote());
    });
  }

  private closing: Promise<void> = Promise.resolve();

  /**
   * Closes every model here without telling a kernel: their views leave the page. One closing
   * at a time (a dead kernel reports its status, then is disposed): a second must not reach
   * clear_state while the first still closes, or clear_state would close a model through its
   * comm, which throws on a disposed kernel.
   */
  protected closeAll(): Promise<void> {
    this.closing = this.closing.then(async () => {
      const models = [...this.models.values()];
      this.models.clear();
      for (const pending of models) {
        const model = await pending.catch(() => undefined);
        await model?.close(true);
      }
      // Forget them too (each is closed already, so nothing is sent): an output drawn again
      // later must not find a closed model.
      await this.clear_state().catch((err: unknown) => console.warn("Widgets not cleared:", err));
    });
    return this.closing;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.closeAll();
  }
}

function closedNote(): HTMLElement {
  const note = document.createElement("div");
  note.className = "widget-closed luci-muted";
  note.textContent = "(widget closed)";
  return note;
}

export class LiveWidgetManager extends LuciWidgetManager {
  private restored?: Promise<void>;

  constructor(readonly kernel: Kernel.IKernelConnection) {
    super();
    setManagerKernel(this, kernel);
    kernel.statusChanged.connect((_, status) => this.onStatus(status));
    kernel.disposed.connect(() => void this.dispose());
  }

  private onStatus(status: Kernel.Status): void {
    // The kernel's comms are gone (services disposes them without telling the models): close
    // the models, or a moved slider would send on a dead comm.
    if (status === "restarting" || status === "autorestarting" || status === "dead") {
      this.restored = undefined;
      void this.closeAll();
    }
  }

  /** The widgets' state as the notebook keeps it (metadata.widgets), as JupyterLab saves it. */
  async stateToSave(): Promise<JsonObject> {
    const { state } = await this.get_state({ drop_defaults: true });
    return state;
  }

  /** The kernel's comm_open for a widget: a model with that comm. */
  async handleCommOpen(comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg): Promise<void> {
    if (this.disposed) return;
    await this.handle_comm_open(new base.shims.services.Comm(comm), msg);
  }

  /** Does the kernel hold this model? Asks the kernel for its widgets once, the first time one is unknown. */
  async knows(modelId: string): Promise<boolean> {
    if (this.has_model(modelId)) return true;
    this.restored ??= this._loadFromKernel().catch((err: unknown) => console.warn("Could not read the kernel's widgets:", err));
    await this.restored;
    return this.has_model(modelId);
  }

  override async _create_comm(
    targetName: string,
    modelId?: string,
    data?: CommData,
    metadata?: CommData,
    buffers?: ArrayBuffer[] | ArrayBufferView[],
  ): Promise<base.IClassicComm> {
    if (this.disposed || this.kernel.isDisposed) throw new Error("the kernel is gone");
    const comm = this.kernel.createComm(targetName, modelId);
    // Without data the comm exists already in the kernel (a restored model): nothing to open.
    if (data || metadata) comm.open(data, metadata, buffers);
    return new base.shims.services.Comm(comm);
  }

  override async _get_comm_info(): Promise<Record<string, unknown>> {
    const reply = await this.kernel.requestCommInfo({ target_name: this.comm_target_name });
    return reply.content.status === "ok" ? reply.content.comms : {};
  }
}

export class StaticWidgetManager extends LuciWidgetManager {
  private loaded: Promise<unknown> = Promise.resolve();

  static fromState(state: JsonObject): StaticWidgetManager {
    const manager = new StaticWidgetManager();
    manager.loaded = isManagerState(state)
      ? manager.set_state(state)
      : Promise.reject(new Error("the notebook's saved widget state is not in a format this page reads"));
    return manager;
  }

  override async show(modelId: string, box: HTMLElement): Promise<void> {
    await this.loaded;
    await super.show(modelId, box);
  }
}

/** The widget state format (application/vnd.jupyter.widget-state+json): versions and models by id. */
function isManagerState(value: JsonObject): value is JsonObject & ManagerState {
  const models = value.state;
  return (
    typeof value.version_major === "number" &&
    typeof value.version_minor === "number" &&
    typeof models === "object" &&
    models !== null &&
    Object.values(models).every((model) => typeof model === "object" && model !== null && "model_name" in model && "model_module" in model)
  );
}
