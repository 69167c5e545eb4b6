// One cell: a gutter with the execution count, a header with the kind (Task, Python,
// Markdown), the editor (CodeMirror: editor/cell-editor.ts), the task's parameter fields, and
// the output area. Markdown cells show their rendered text until edited. A code cell's label
// follows its text as it is typed, by the kernel's own rule (model/cell-kind.ts).
import { el } from "../dom.js";
import { CellEditor } from "../editor/cell-editor.js";
import { decidedByParser, editorKind, labelKind, type CellKind, type CodeKind } from "../model/cell-kind.js";
import type { CellModel } from "../model/notebook-model.js";
import { DisplayRegistry, OutputArea } from "../outputs/output-area.js";
import { markdownFragment } from "../outputs/sanitize.js";
import { ParameterFields } from "./parameter-fields.js";

/** How long typing pauses before the label follows the text. */
const RELABEL_PAUSE_MS = 250;
const KIND_LABEL: Record<CellKind, string> = { task: "Task", python: "Python", markdown: "Markdown" };
const PLACEHOLDER: Record<CellKind, string> = {
  task: "Describe a task in plain words, e.g. Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years",
  python: "Python code",
  markdown: "Markdown text",
};

export interface CellActions {
  select(view: CellView, edit: boolean): void;
  /** Resolves when the cell has run; it reports its own failures in the cell, never rejects. */
  run(view: CellView): Promise<void>;
  changed(): void;
  setKind(view: CellView, kind: CellKind): void;
  /** A parameter field changed `name` from `before` (the cell runs next): later cells that read it are stale. */
  parameterChanged(view: CellView, name: string, before: string): void;
}

export class CellView {
  readonly element: HTMLElement;
  readonly editor: CellEditor;
  readonly outputs: OutputArea;
  private readonly prompt: HTMLElement;
  private readonly rendered: HTMLElement;
  private readonly params: ParameterFields;
  private readonly kindButton: HTMLButtonElement;
  /** "stale: ran with rate = 0.05": an earlier cell's parameter changed after this cell ran. */
  private readonly staleMark = el("div", { class: "cell-stale", attrs: { role: "status" } });
  private state: "idle" | "queued" | "running" = "idle";
  /** How the kernel last ran this text (it has the last word where the page's grammar differs). */
  private kernelSaid?: { source: string; kind: CodeKind };
  private relabelTimer = 0;

  constructor(
    readonly model: CellModel,
    displays: DisplayRegistry,
    private readonly actions: CellActions,
  ) {
    this.prompt = el("div", { class: "cell-prompt" });
    this.kindButton = el("button", { class: "cell-kind", title: "Change the cell's kind (M: markdown, Y: Python, T: task)" });
    this.kindButton.addEventListener("click", (event) => {
      event.stopPropagation();
      const order: CellKind[] = ["task", "python", "markdown"];
      this.actions.setKind(this, order[(order.indexOf(this.model.kind) + 1) % order.length]!);
    });
    const runButton = el("button", { class: "cell-run", title: "Run (Shift-Enter)", attrs: { "aria-label": "Run cell" }, text: "▶" });
    runButton.addEventListener("click", (event) => {
      event.stopPropagation();
      void this.actions.run(this); // never rejects
    });
    this.editor = new CellEditor(model.source, model.kind, PLACEHOLDER[model.kind], {
      changed: (text) => {
        this.model.source = text;
        this.params.update();
        this.actions.changed();
        // Highlighting and indentation follow the text at once (after CodeMirror's own update);
        // the label once typing pauses, so that a task's first word does not flash up as Python.
        queueMicrotask(() => this.editor.setKind(editorKind(this.model.source, this.model.kind), PLACEHOLDER[this.model.kind]));
        window.clearTimeout(this.relabelTimer);
        this.relabelTimer = window.setTimeout(() => this.relabel(), RELABEL_PAUSE_MS);
      },
      focused: () => this.actions.select(this, true),
    });
    this.rendered = el("div", { class: "cell-rendered rendered-markdown" });
    this.rendered.addEventListener("dblclick", () => this.edit());
    this.params = new ParameterFields({
      source: () => this.model.source,
      outputs: () => this.model.outputs,
      setSource: (source) => this.setSource(source),
      setSourceAndRun: (source) => {
        this.setSource(source);
        return this.actions.run(this); // never rejects
      },
      changed: (name, before) => this.actions.parameterChanged(this, name, before),
    });
    this.staleMark.hidden = true;
    // The parameter controls follow the outputs too: a run's record says which task its code is for.
    this.outputs = new OutputArea(model, displays, () => {
      this.params.update();
      this.actions.changed();
    });
    this.element = el(
      "section",
      { class: "cell", attrs: { "data-cell-id": model.id } },
      this.prompt,
      el(
        "div",
        { class: "cell-body" },
        el("div", { class: "cell-header" }, this.kindButton, runButton),
        this.editor.dom,
        this.rendered,
        this.params.element,
        this.staleMark,
        this.outputs.element,
      ),
    );
    this.element.addEventListener("mousedown", (event) => {
      if (!(event.target instanceof Element && event.target.closest(".cell-editor, textarea, input, button, summary, a"))) this.actions.select(this, false);
    });
    this.relabel(true);
    this.setPrompt();
  }

  setSource(source: string): void {
    this.model.source = source;
    this.editor.setText(source);
    this.relabel();
    this.params.update();
    this.actions.changed();
  }

  /** The kernel ran `source` as `kind`: while the cell holds that text, the label says so. */
  ranAs(kind: CodeKind, source: string): void {
    this.kernelSaid = { source, kind };
    this.relabel();
  }

  /** A code cell's label, from its text by the kernel's rule (or the kernel's own answer for this text). */
  relabel(force = false): void {
    window.clearTimeout(this.relabelTimer);
    const cell = this.model;
    if (cell.kind !== "markdown") {
      const said = this.kernelSaid?.source === cell.source ? this.kernelSaid.kind : undefined;
      const kind = said ?? labelKind(cell.source, cell.kind);
      cell.kindGuessed = cell.source.trim() !== "" && decidedByParser(cell.source);
      if (kind !== cell.kind) {
        cell.kind = kind;
        force = true;
      }
    }
    if (force) this.refreshKind();
  }

  refreshKind(): void {
    const kind = this.model.kind;
    this.element.dataset.kind = kind;
    this.kindButton.textContent = KIND_LABEL[kind];
    this.editor.setKind(editorKind(this.model.source, kind), PLACEHOLDER[kind]);
    this.params.update();
    if (kind === "task") this.params.element.hidden = this.params.element.childElementCount === 0;
    else this.params.element.hidden = true;
    this.showRendered(kind === "markdown" && this.model.source.trim() !== "" && !this.editor.hasFocus);
  }

  /** Markdown: shows the rendered text (sanitised) in place of the editor. */
  showRendered(rendered: boolean): void {
    if (rendered) this.rendered.replaceChildren(markdownFragment(this.model.source));
    this.rendered.hidden = !rendered;
    this.editor.dom.hidden = rendered;
    this.element.classList.toggle("cell-markdown-rendered", rendered);
  }

  edit(): void {
    if (this.model.kind === "markdown") this.showRendered(false);
    this.editor.focus();
  }

  setState(state: "idle" | "queued" | "running"): void {
    this.state = state;
    this.element.classList.toggle("cell-running", state === "running");
    this.element.classList.toggle("cell-queued", state === "queued");
    this.setPrompt();
  }

  /** Marks the cell stale (the first change it missed is the one it names); running it clears the mark. */
  markStale(name: string, before: string): void {
    if (!this.staleMark.hidden) return;
    this.staleMark.textContent = `stale: ran with ${name} = ${before}`;
    this.staleMark.title = `${name} changed above after this cell ran; run it again to use the new value`;
    this.staleMark.hidden = false;
    this.element.classList.add("cell-is-stale");
  }

  clearStale(): void {
    this.staleMark.hidden = true;
    this.staleMark.textContent = "";
    this.element.classList.remove("cell-is-stale");
  }

  setPrompt(): void {
    const count = this.state === "idle" ? (this.model.executionCount ?? " ") : "*";
    this.prompt.textContent = `[${count}]`;
  }
}
