// One cell: a gutter with the execution count, a header with the kind (Task, Python,
// Markdown), the editor (a plain textarea that grows with its text), the task's parameter
// fields, and the output area. Markdown cells show their rendered text until edited.
import { el } from "../dom.js";
import type { CellKind } from "../model/cell-kind.js";
import type { CellModel } from "../model/notebook-model.js";
import { DisplayRegistry, OutputArea } from "../outputs/output-area.js";
import { markdownFragment } from "../outputs/sanitize.js";
import { ParameterFields } from "./parameter-fields.js";

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
}

export class CellView {
  readonly element: HTMLElement;
  readonly editor: HTMLTextAreaElement;
  readonly outputs: OutputArea;
  private readonly prompt: HTMLElement;
  private readonly rendered: HTMLElement;
  private readonly params: ParameterFields;
  private readonly kindButton: HTMLButtonElement;
  private state: "idle" | "queued" | "running" = "idle";

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
    this.editor = el("textarea", { class: "cell-editor", attrs: { spellcheck: "false", rows: "1", "aria-label": "cell text" } });
    this.editor.value = model.source;
    this.editor.addEventListener("input", () => {
      this.model.source = this.editor.value;
      this.fit();
      this.params.update();
      this.actions.changed();
    });
    this.editor.addEventListener("focus", () => this.actions.select(this, true));
    this.rendered = el("div", { class: "cell-rendered rendered-markdown" });
    this.rendered.addEventListener("dblclick", () => this.edit());
    this.params = new ParameterFields(
      () => this.model.source,
      (source) => {
        this.setSource(source);
        void this.actions.run(this); // never rejects
      },
    );
    this.outputs = new OutputArea(model, displays, () => this.actions.changed());
    this.element = el(
      "section",
      { class: "cell", attrs: { "data-cell-id": model.id } },
      this.prompt,
      el(
        "div",
        { class: "cell-body" },
        el("div", { class: "cell-header" }, this.kindButton, runButton),
        this.editor,
        this.rendered,
        this.params.element,
        this.outputs.element,
      ),
    );
    this.element.addEventListener("mousedown", (event) => {
      if (!(event.target instanceof Element && event.target.closest("textarea, input, button, summary, a"))) this.actions.select(this, false);
    });
    this.refreshKind();
    this.setPrompt();
  }

  setSource(source: string): void {
    this.model.source = source;
    this.editor.value = source;
    this.fit();
    this.params.update();
    this.actions.changed();
  }

  refreshKind(): void {
    const kind = this.model.kind;
    this.element.dataset.kind = kind;
    this.kindButton.textContent = KIND_LABEL[kind];
    this.editor.placeholder = PLACEHOLDER[kind];
    this.editor.wrap = kind === "python" ? "off" : "soft";
    this.params.update();
    if (kind === "task") this.params.element.hidden = this.params.element.childElementCount === 0;
    else this.params.element.hidden = true;
    this.showRendered(kind === "markdown" && this.model.source.trim() !== "" && document.activeElement !== this.editor);
  }

  /** Markdown: shows the rendered text (sanitised) in place of the editor. */
  showRendered(rendered: boolean): void {
    if (rendered) this.rendered.replaceChildren(markdownFragment(this.model.source));
    this.rendered.hidden = !rendered;
    this.editor.hidden = rendered;
    this.element.classList.toggle("cell-markdown-rendered", rendered);
    if (!rendered) this.fit();
  }

  edit(): void {
    if (this.model.kind === "markdown") this.showRendered(false);
    this.editor.focus();
  }

  /** Grows the editor to its content (no inner scroll bar). */
  fit(): void {
    if (this.editor.hidden) return;
    this.editor.style.height = "auto";
    this.editor.style.height = `${this.editor.scrollHeight}px`;
  }

  setState(state: "idle" | "queued" | "running"): void {
    this.state = state;
    this.element.classList.toggle("cell-running", state === "running");
    this.element.classList.toggle("cell-queued", state === "queued");
    this.setPrompt();
  }

  setPrompt(): void {
    const count = this.state === "idle" ? (this.model.executionCount ?? " ") : "*";
    this.prompt.textContent = `[${count}]`;
  }
}
