// The notebook toolbar: save, add cells of each kind, run, run all, interrupt, restart, and the
// selected cell's kind; at its end, the model menu (model-menu.ts).
import { el } from "../dom.js";
import type { CellKind } from "../model/cell-kind.js";
import { ModelMenu } from "./model-menu.js";

// Functions, not methods: each is handed to its button alone, with no `this`.
export interface ToolbarActions {
  save: () => void;
  add: (kind: CellKind) => void;
  run: () => void;
  runAll: () => void;
  interrupt: () => void;
  restart: () => void;
}

export class Toolbar {
  readonly element = el("nav", { class: "toolbar", attrs: { "aria-label": "Notebook" } });
  private readonly buttons: HTMLButtonElement[] = [];

  constructor(actions: ToolbarActions) {
    const button = (label: string, title: string, action: () => void, cls = "") => {
      const b = el("button", { class: `tool ${cls}`.trim(), text: label, title, attrs: { "data-action": cls || label.toLowerCase() } });
      b.addEventListener("click", () => action());
      this.buttons.push(b);
      return b;
    };
    const group = (...children: Node[]) => el("div", { class: "tool-group" }, ...children);
    this.element.append(
      group(button("Save", "Save (Ctrl-S)", actions.save, "save")),
      group(
        button("+ Task", "Add a task cell below (B)", () => actions.add("task"), "add-task"),
        button("+ Python", "Add a Python cell below", () => actions.add("python"), "add-python"),
        button("+ Markdown", "Add a markdown cell below", () => actions.add("markdown"), "add-markdown"),
      ),
      group(
        button("▶ Run", "Run the cell and select the next (Shift-Enter)", actions.run, "run"),
        button("▶▶ Run all", "Run every cell", actions.runAll, "run-all"),
        button("■ Interrupt", "Interrupt the kernel (I, I)", actions.interrupt, "interrupt"),
        button("↻ Restart", "Restart the kernel (0, 0)", actions.restart, "restart"),
      ),
      new ModelMenu().element,
    );
  }

  enable(on: boolean): void {
    for (const b of this.buttons) b.disabled = !on;
  }
}
