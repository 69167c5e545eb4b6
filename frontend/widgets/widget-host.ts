// ipywidgets on the page, the part that lives in the main bundle: it is small on purpose. The
// widget code (the Jupyter widgets HTML manager, its controls and their CSS, ~1 MB) loads only
// when a notebook first needs it: a widget view in an output, or the kernel opening a widget's
// comm. A notebook without widgets pays nothing but this file.
//
// One host serves the open notebook. It holds the notebook's saved widget state (drawn as static
// views, as nbviewer does) and the session's kernel, on which it registers the `jupyter.widget`
// comm target at once (the kernel opens a model's comm before the output that shows it, and
// @jupyterlab/services waits for the target's promise before it hands on the next message, so
// loading the widget code inside the target keeps that order).
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import { objectOr, textOf } from "../model/json.js";
import type { JsonObject } from "../model/notebook-model.js";

export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";
const WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json";
const COMM_TARGET = "jupyter.widget";

type WidgetCode = typeof import("./widget-manager.js");
type LiveManager = InstanceType<WidgetCode["LiveWidgetManager"]>;
type StaticManager = InstanceType<WidgetCode["StaticWidgetManager"]>;

let code: Promise<WidgetCode> | undefined;

/** The widget chunk and its stylesheet, once per page. */
function loadWidgetCode(): Promise<WidgetCode> {
  code ??= Promise.all([import("./widget-manager.js"), loadStylesheet("/static/widgets.css")]).then(
    ([module]) => module,
    (err: unknown) => {
      code = undefined; // the next widget tries again (the server may have been restarting)
      throw err;
    },
  );
  return code;
}

function loadStylesheet(href: string): Promise<void> {
  return new Promise((resolve) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    // A missing stylesheet leaves widgets unstyled, not absent.
    link.addEventListener("load", () => resolve());
    link.addEventListener("error", () => resolve());
    document.head.append(link);
  });
}

class WidgetHost {
  private kernel: Kernel.IKernelConnection | null = null;
  private savedState: JsonObject | null = null;
  private live?: Promise<LiveManager>;
  private static?: Promise<StaticManager>;
  /** Views drawn before the kernel connected, drawn again once it has. */
  private readonly waiting = new Set<PendingView>();
  /** Bound once, so the same function is removed from the kernel it was registered on. */
  private readonly onCommOpen = (comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg): Promise<void> =>
    this.liveManager().then((manager) => manager?.handleCommOpen(comm, msg));

  /** A notebook was opened: its saved state replaces the last notebook's; views of that one die with it. */
  open(metadata: JsonObject): void {
    this.setKernel(null);
    this.waiting.clear();
    const saved = objectOr(objectOr(metadata.widgets)[WIDGET_STATE_MIME]);
    this.savedState = Object.keys(objectOr(saved.state)).length ? saved : null;
    void this.static?.then((manager) => manager.dispose());
    this.static = undefined;
  }

  /** The session's kernel (null when it is gone): widgets of an older kernel go inert. */
  setKernel(kernel: Kernel.IKernelConnection | null): void {
    if (kernel === this.kernel) return;
    if (this.kernel && !this.kernel.isDisposed) this.kernel.removeCommTarget(COMM_TARGET, this.onCommOpen);
    void this.live?.then((manager) => manager.dispose());
    this.live = undefined;
    this.kernel = kernel;
    if (!kernel) return;
    kernel.registerCommTarget(COMM_TARGET, this.onCommOpen);
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const view of waiting) void this.display(view);
  }

  /**
   * metadata.widgets for a save: the saved state the notebook was opened with and the live
   * kernel's widgets (theirs win), so a notebook reopened without them still draws its widgets.
   * Null when no widget code runs for this notebook (the metadata is left as it is).
   */
  async stateToSave(): Promise<JsonObject | null> {
    const live = await this.live?.catch(() => undefined);
    if (!live) return null;
    const state = { ...objectOr(this.savedState?.state), ...(await live.stateToSave()) };
    if (!Object.keys(state).length) return null;
    this.savedState = { version_major: 2, version_minor: 0, state };
    return { [WIDGET_STATE_MIME]: this.savedState };
  }

  private liveManager(): Promise<LiveManager | null> {
    const kernel = this.kernel;
    if (!kernel) return Promise.resolve(null);
    this.live ??= loadWidgetCode().then((widgets) => new widgets.LiveWidgetManager(kernel));
    return this.live;
  }

  private staticManager(): Promise<StaticManager> {
    const saved = this.savedState ?? {};
    this.static ??= loadWidgetCode().then((widgets) => widgets.StaticWidgetManager.fromState(saved));
    return this.static;
  }

  /**
   * A widget view output: a box that the view fills once the widget code is here. A model the
   * live kernel holds is drawn live; one only in the saved state, static; otherwise the text.
   */
  render(data: JsonObject): HTMLElement {
    const box = document.createElement("div");
    box.className = "widget-area";
    const modelId = textOf(objectOr(data[WIDGET_VIEW_MIME]).model_id);
    const text = data["text/plain"];
    void this.display({ modelId, box, fallback: Array.isArray(text) ? text.join("") : textOf(text) });
    return box;
  }

  private async display(view: PendingView): Promise<void> {
    const { modelId, box, fallback } = view;
    try {
      if (!modelId) {
        box.replaceChildren(plain(fallback));
        return;
      }
      const live = await this.liveManager();
      if (live && (await live.knows(modelId))) return await live.show(modelId, box);
      // No kernel yet (the notebook's outputs are drawn while its session starts): look again
      // when it connects, since a kernel still running from before may hold the model.
      if (!live) this.waiting.add(view);
      if (this.savedState && Object.hasOwn(objectOr(this.savedState.state), modelId)) return await (await this.staticManager()).show(modelId, box);
      box.replaceChildren(plain(fallback || "A widget that is no longer in the kernel: run the cell again to show it."));
    } catch (err) {
      box.replaceChildren(plain(`${fallback || "A widget"} (could not be shown: ${err instanceof Error ? err.message : String(err)})`));
    }
  }
}

/** A widget view output and where it is drawn. */
interface PendingView {
  modelId: string;
  box: HTMLElement;
  fallback: string;
}

function plain(text: string): HTMLElement {
  const pre = document.createElement("pre");
  pre.className = "widget-fallback";
  pre.textContent = text;
  return pre;
}

/** The page's one host: outputs call it from renderOutput, the app tells it the notebook and kernel. */
export const widgetHost = new WidgetHost();
