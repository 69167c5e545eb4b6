// The open notebook: its cells, which one is selected, command or edit mode, and running
// cells through the kernel session (one request per cell; the kernel queues them and, with
// stop_on_error, aborts the rest after an error, as in JupyterLab).
import { KernelMessage } from "@jupyterlab/services";
import { errorMessage } from "../../kernel/common/errors.js";
import { el } from "../dom.js";
import type { KernelSession } from "../kernel-session.js";
import { ranAs, withKind, type CellKind } from "../model/cell-kind.js";
import { newCell, type CellModel, type NotebookModel } from "../model/notebook-model.js";
import { staleAfter } from "../model/reads-names.js";
import { taskParameters } from "../model/task-parameters.js";
import { LUCI_MIME } from "../outputs/luci-renderers.js";
import { DisplayRegistry } from "../outputs/output-area.js";
import { CellView, type CellActions } from "./cell-view.js";

export type Mode = "command" | "edit";

export class NotebookView implements CellActions {
  readonly element = el("main", { class: "notebook", attrs: { tabindex: "-1" } });
  readonly cells: CellView[] = [];
  private readonly displays = new DisplayRegistry();
  private readonly untrustedListeners = new Set<(untrusted: boolean) => void>();
  private readonly ranListeners = new Set<() => void>();
  active = 0;
  mode: Mode = "command";

  constructor(
    readonly model: NotebookModel,
    readonly session: KernelSession,
  ) {
    if (!model.cells.length) model.cells.push(newCell("task"));
    for (const cell of model.cells) this.cells.push(this.makeView(cell));
    this.element.append(...this.cells.map((c) => c.element));
    this.element.addEventListener("mousedown", (event) => {
      if (event.target === this.element) this.commandMode();
    });
    this.select(0, false);
  }

  private makeView(cell: NotebookModel["cells"][number]): CellView {
    return new CellView(cell, this.displays, this);
  }

  /** Called once the view is in the document. */
  attached(): void {
    this.reportTrust();
  }

  // ---- CellActions -------------------------------------------------------------------------

  select(view: CellView | number, edit: boolean): void {
    const index = typeof view === "number" ? view : this.cells.indexOf(view);
    if (index < 0 || index >= this.cells.length) return;
    this.cells[this.active]?.element.classList.remove("cell-selected", "cell-editing");
    const previous = this.cells[this.active];
    this.active = index;
    const cell = this.cells[index]!;
    cell.element.classList.add("cell-selected");
    if (previous && previous !== cell && previous.model.kind === "markdown" && previous.model.source.trim()) previous.showRendered(true);
    this.mode = edit ? "edit" : "command";
    cell.element.classList.toggle("cell-editing", edit);
    if (edit) {
      if (!cell.editor.hasFocus) cell.edit();
    } else {
      if (document.activeElement instanceof HTMLElement && cell.element.contains(document.activeElement)) document.activeElement.blur();
      this.element.focus({ preventScroll: true });
    }
    cell.element.scrollIntoView({ block: "nearest" });
  }

  changed(): void {
    this.model.changed();
  }

  /**
   * The user's choice of kind. Markdown is a cell type; for task and Python the text gets the
   * marker the kernel's routing table reads (`%%task`, `%%python`) when the text alone would run
   * otherwise, so the label, the page, JupyterLab and nbconvert all agree.
   */
  setKind(view: CellView, kind: CellKind): void {
    const cell = view.model;
    if (kind === "markdown") {
      if (cell.kind === "markdown") return;
      cell.kind = kind;
      view.outputs.clear();
      cell.executionCount = null;
      view.setPrompt();
      view.refreshKind();
      this.changed();
      return;
    }
    if (cell.kind === kind) return;
    // An empty cell (or one that was markdown) takes the kind chosen; its text then decides.
    if (cell.kind === "markdown" || !cell.source.trim()) cell.kind = kind;
    const source = withKind(cell.source, kind);
    if (source !== cell.source) view.setSource(source);
    view.relabel(true);
    this.changed();
  }

  /** The cell's own run button, or a changed parameter: the cell becomes the selected one. */
  run(view: CellView): Promise<void> {
    if (this.cells[this.active] !== view) this.select(view, false);
    return this.runCell(view);
  }

  /**
   * A task's parameter changed on the page: the later cells that ran and read it (model/reads-names.ts)
   * are marked "stale: ran with rate = 0.05" until they run again.
   */
  parameterChanged(view: CellView, name: string, before: string): void {
    const at = this.cells.indexOf(view);
    if (at < 0) return;
    const ran = (c: CellView) => c.model.kind !== "markdown" && (c.model.executionCount !== null || c.model.outputs.length > 0);
    const later = this.cells.slice(at + 1).filter(ran);
    const stale = staleAfter(
      name,
      codeOf(view.model),
      later.map((c) => codeOf(c.model)),
    );
    for (const index of stale) later[index]!.markStale(name, before);
  }

  // ---- commands ----------------------------------------------------------------------------

  get current(): CellView {
    return this.cells[this.active]!;
  }

  commandMode(): void {
    this.select(this.active, false);
  }

  editMode(): void {
    this.select(this.active, true);
  }

  insert(at: number, kind: CellKind = "task"): CellView {
    const model = newCell(kind);
    this.model.cells.splice(at, 0, model);
    const view = this.makeView(model);
    this.cells.splice(at, 0, view);
    const next = this.cells[at + 1];
    if (next) next.element.before(view.element);
    else this.element.append(view.element);
    this.changed();
    this.select(at, true);
    return view;
  }

  remove(at = this.active): void {
    const view = this.cells[at];
    if (!view) return;
    view.outputs.clear();
    view.element.remove();
    this.cells.splice(at, 1);
    this.model.cells.splice(at, 1);
    if (!this.cells.length) this.insert(0, "task");
    this.changed();
    this.select(Math.min(at, this.cells.length - 1), false);
    this.reportTrust();
  }

  move(delta: number): void {
    this.select(Math.max(0, Math.min(this.cells.length - 1, this.active + delta)), false);
  }

  /** Runs the selected cell; with `advance`, selects the next one (making one at the end). */
  runSelected(advance: boolean): Promise<void> {
    const view = this.current;
    const done = this.runCell(view);
    if (advance) {
      if (this.active === this.cells.length - 1) this.insert(this.cells.length, view.model.kind === "markdown" ? "task" : view.model.kind);
      else this.select(this.active + 1, false);
    } else if (view.model.kind === "markdown") {
      this.select(this.active, false);
    }
    return done;
  }

  async runAll(): Promise<void> {
    await Promise.all(this.cells.map((cell) => this.runCell(cell)));
  }

  async runCell(view: CellView): Promise<void> {
    const cell = view.model;
    if (cell.kind === "markdown") {
      view.showRendered(cell.source.trim() !== "");
      return;
    }
    if (!cell.source.trim()) return;
    view.relabel(); // the label as the kernel's rule gives it now, without waiting for a pause in typing
    // The kernel shows a record it refuses to run (someone else's code) again; should a kernel
    // not (an older Luci), keep the cell's records so that a save does not lose them.
    const records = cell.outputs.filter((o) => o.output_type === "display_data" && o.data[LUCI_MIME.record] !== undefined);
    view.outputs.clear();
    view.clearStale();
    cell.executionCount = null;
    view.setState("queued");
    const sent = cell.source;
    try {
      const reply = await this.session.execute(
        // As written: the text says how it runs (a chosen kind wrote its marker into it).
        sent,
        cell.id,
        {
          onIOPub: (msg) => {
            if (msg.header.msg_type === "execute_input") view.setState("running");
            else if (KernelMessage.isStatusMsg(msg) && msg.content.execution_state === "busy") view.setState("running");
            else view.outputs.handle(msg);
          },
          onStdin: (msg, reply) => this.askInput(view, msg, reply),
        },
        { stopOnError: !raisesException(cell.metadata) },
      );
      if (reply.status !== "aborted" && typeof reply.execution_count === "number") cell.executionCount = reply.execution_count;
      // Where the page's grammar and Python's differ, the kernel's answer is the label.
      const ran = ranAs(reply.replyMetadata);
      if (ran) view.ranAs(ran, sent);
      const refused = cell.outputs.some((o) => o.output_type === "error" && o.ename === "NotTrusted");
      if (refused && !cell.outputs.some((o) => o.output_type === "display_data" && o.data[LUCI_MIME.record] !== undefined))
        for (const record of records) view.outputs.add(record);
    } catch (err) {
      const text =
        this.session.state === "dead"
          ? "The kernel died while this cell ran. Restart it from the toolbar (0, 0) and run the cell again."
          : `The cell could not run: ${errorMessage(err)}`;
      view.outputs.add({ output_type: "error", ename: "KernelError", evalue: text, traceback: [text] });
    } finally {
      view.setState("idle");
      this.changed();
      this.reportTrust();
      for (const listener of this.ranListeners) listener();
    }
  }

  /** Called after each cell has run (the page saves then, as JupyterLab's autosave does). */
  onRan(listener: () => void): void {
    this.ranListeners.add(listener);
  }

  /** input() and getpass(): a field in the cell's output area. */
  private askInput(view: CellView, msg: KernelMessage.IStdinMessage, reply: (value: string) => void): void {
    if (!KernelMessage.isInputRequestMsg(msg)) return;
    const content = msg.content;
    const input = el("input", { attrs: { type: content.password ? "password" : "text", class: "stdin-input", "aria-label": content.prompt || "input" } });
    const box = el("div", { class: "output output-stdin" }, el("span", { class: "stdin-prompt", text: content.prompt }), input);
    input.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key !== "Enter") return;
      const value = input.value;
      box.replaceChildren(el("span", { class: "stdin-prompt", text: content.prompt }), el("span", { text: content.password ? "••••••" : value }));
      reply(value);
    });
    view.outputs.element.hidden = false;
    view.outputs.element.append(box);
    input.focus();
  }

  // ---- trust -------------------------------------------------------------------------------

  /** Cells whose recorded code the kernel refused to run because the notebook is not trusted. */
  untrustedCells(): CellView[] {
    return this.cells.filter((c) => c.model.outputs.some((o) => o.output_type === "error" && o.ename === "NotTrusted"));
  }

  onUntrusted(listener: (untrusted: boolean) => void): void {
    this.untrustedListeners.add(listener);
  }

  private reportTrust(): void {
    const untrusted = this.untrustedCells().length > 0;
    for (const listener of this.untrustedListeners) listener(untrusted);
  }

  /**
   * Runs code outside any cell (the trust command); returns what it printed, or throws its error.
   * `answer` is given to the question the kernel asks on stdin (the trust command asks for the
   * notebook's name: the person's click on the trust button is their answer).
   */
  async runHidden(code: string, answer = ""): Promise<string> {
    let text = "";
    let error = "";
    await this.session.execute(
      code,
      undefined,
      {
        onIOPub: (msg) => {
          if (KernelMessage.isStreamMsg(msg)) text += msg.content.text;
          if (KernelMessage.isErrorMsg(msg)) error = `${msg.content.ename}: ${msg.content.evalue}`;
        },
        // %luci trust asks a person to confirm on stdin; a notebook cannot answer, a click can.
        onStdin: (_msg, reply) => reply(answer),
      },
      { storeHistory: false },
    );
    if (error) throw new Error(error);
    return text.trim();
  }
}

/**
 * The code a cell ran, as reads-names.ts reads it: a task's recorded code and its parameters'
 * names (the words of its text are not code); else its text (a Python cell, a task not recorded).
 */
function codeOf(cell: CellModel): string {
  const record = cell.outputs.find((o) => o.output_type === "display_data" && o.data[LUCI_MIME.record] !== undefined);
  const data: unknown = record?.output_type === "display_data" ? record.data[LUCI_MIME.record] : undefined;
  const recorded = typeof data === "object" && data !== null && "code" in data ? data.code : undefined;
  if (typeof recorded !== "string") return cell.source;
  return [...taskParameters(cell.source).parameters.map((p) => p.name), recorded].join("\n");
}

/** A cell tagged raises-exception (as nbclient reads it) fails on purpose: the cells after it still run. */
function raisesException(metadata: Record<string, unknown>): boolean {
  const tags = metadata.tags;
  return Array.isArray(tags) && tags.includes("raises-exception");
}
