// A task's `{name=value}` parameters as controls under the cell, on Luci's page and in
// JupyterLab (labextension/src/parameter-panel.ts): a slider with a number box for a number, a
// checkbox for True/False, a text box for a string, a literal box for None and lists
// (model/parameter-controls.ts decides which, and the slider's range and step).
//
// A change rewrites `{name=value}` in the task text and runs the cell: the kernel reruns the
// recorded code with the new value, with no model call, and the text (so the saved notebook,
// nbconvert and papermill) says which value the output came from. A slider reruns when it is
// released or after a short pause while it is held still, never once per step; a change while
// a run runs waits for it, then the latest value runs (model/latest-run.ts).
//
// The controls only rerun recorded code: with no record yet a change writes the text and the
// cell's own run asks the model; when the task's words changed since its record, they are off and
// say so (running the cell then asks the model for new code).
import { el } from "../dom.js";
import { LatestRun, type RunSource } from "../model/latest-run.js";
import {
  controlFor,
  numberLiteral,
  recordedTask,
  sliderRange,
  withStepFor,
  taskChanged,
  typedLiteral,
  withParameterValue,
  type ParameterControl,
  type RecordedTask,
  type SliderRange,
} from "../model/parameter-controls.js";
import { taskParameters, type TaskParameter } from "../model/task-parameters.js";

/** The cell the controls act on (Luci's page: views/cell-view.ts; JupyterLab: its cell model). */
export interface ParameterHost {
  /** The cell's text now. */
  source(): string;
  /** The cell's outputs now, as nbformat objects: its record says which task its code was made for. */
  outputs(): readonly unknown[];
  /** Writes the text into the cell, with no run. */
  setSource(source: string): void;
  /** Writes the text into the cell and runs it; resolves when the run has ended (never rejects). */
  setSourceAndRun(source: string): Promise<void>;
  /** Told just before a rerun that `name` had the value `before` (Luci's page marks later cells stale). */
  changed?(name: string, before: string): void;
}

/** How long a slider is held still before the cell reruns (released, it reruns at once). */
const PAUSE_MS = 400;

type Timing = "now" | "soon";

interface Control {
  readonly element: HTMLElement;
  /** Whether the person is working in it (its value then is theirs, not the text's). */
  busy(): boolean;
  show(parameter: TaskParameter, recorded: unknown): void;
  enable(on: boolean): void;
  invalid(message: string | undefined): void;
}

export class ParameterFields {
  readonly element = el("div", { class: "cell-params" });
  private readonly note = el("span", { class: "param-note", attrs: { role: "status" } });
  private readonly controls = new Map<string, Control>();
  /** The literal each changed control asks for, not yet in the text. */
  private readonly pending = new Map<string, string>();
  private readonly runs: LatestRun;
  private layout = "";
  /** The last record seen: outputs are cleared while a cell runs, and its record comes back at the end. */
  private record?: RecordedTask;
  private running = false;

  constructor(private readonly host: ParameterHost) {
    const source: RunSource = { start: () => this.start() };
    this.runs = new LatestRun(source, PAUSE_MS, window);
  }

  /** Redraws from the task text and outputs; controls the person is using keep their value. */
  update(): void {
    const { parameters, problems } = taskParameters(this.host.source());
    const record = recordedTask(this.host.outputs());
    if (record) this.record = record;
    const kinds = parameters.map((p) => [p, controlFor(p)] as const);
    const layout = kinds.map(([p, c]) => `${p.name}:${kindKey(c)}`).join("|") + `#${problems.join("|")}`;
    if (layout !== this.layout) this.build(kinds, problems, layout);
    for (const parameter of parameters) this.controls.get(parameter.name)?.show(parameter, this.record?.parameters[parameter.name]);
    this.showState();
  }

  private build(kinds: readonly (readonly [TaskParameter, ParameterControl])[], problems: string[], layout: string): void {
    this.layout = layout;
    const previous = new Map(this.controls);
    this.controls.clear();
    this.element.replaceChildren();
    this.element.hidden = kinds.length === 0 && problems.length === 0;
    if (this.element.hidden) return;
    if (kinds.length)
      this.element.append(el("span", { class: "params-label", text: "Parameters", title: "Changing a value reruns the task's recorded code: no model call" }));
    for (const [parameter, control] of kinds) {
      const kept = previous.get(parameter.name);
      const made = kept && kept.element.dataset.kind === kindKey(control) ? kept : this.make(parameter.name, control);
      this.controls.set(parameter.name, made);
      this.element.append(made.element);
    }
    for (const problem of problems) this.element.append(el("span", { class: "param-problem", text: problem }));
    this.element.append(this.note);
  }

  private make(name: string, control: ParameterControl): Control {
    const ask = (literal: string, timing: Timing) => this.ask(name, literal, timing);
    if (control.kind === "number") return new NumberControl(name, control, ask);
    if (control.kind === "boolean") return new BooleanControl(name, ask);
    return new TextControl(name, control, ask);
  }

  /** A control asks for a value: it runs after the pause, or now (after the run under way). */
  private ask(name: string, literal: string, timing: Timing): void {
    this.pending.set(name, literal);
    if (timing === "now") this.runs.now();
    else this.runs.soon();
  }

  /** Writes the pending values into the text and reruns the cell (LatestRun calls it). */
  private start(): Promise<void> | undefined {
    if (!this.pending.size) return undefined;
    const before = this.host.source();
    const current = taskParameters(before).parameters;
    let source = before;
    const changes: [string, string][] = [];
    for (const [name, literal] of this.pending) {
      const parameter = current.find((p) => p.name === name);
      if (!parameter || parameter.raw === literal) continue;
      const next = withParameterValue(source, name, literal);
      if (next === undefined) {
        this.controls.get(name)?.invalid("This value cannot be written into the task as it is: quote a string, or write a number, True, False, None or a list");
        continue;
      }
      source = next;
      changes.push([name, parameter.raw]);
    }
    this.pending.clear();
    if (!changes.length) return undefined;
    const record = recordedTask(this.host.outputs()) ?? this.record;
    if (record && taskChanged(before, record.task)) {
      this.update(); // the controls go back to the text's values and say why
      return undefined;
    }
    if (!record) {
      this.host.setSource(source);
      return undefined;
    }
    for (const [name, value] of changes) this.host.changed?.(name, value);
    this.running = true;
    this.showState();
    const focused = document.activeElement;
    const run = this.host.setSourceAndRun(source);
    // Running selects the cell, and the page then focuses the notebook: a slider being stepped
    // with the arrow keys keeps them.
    if (focused instanceof HTMLElement && this.element.contains(focused) && document.activeElement !== focused) focused.focus({ preventScroll: true });
    return run.finally(() => {
      this.running = false;
      this.update();
    });
  }

  /** The note beside the controls, and whether they can rerun. */
  private showState(): void {
    const record = this.record;
    const changed = record !== undefined && taskChanged(this.host.source(), record.task);
    for (const control of this.controls.values()) control.enable(!changed);
    this.element.classList.toggle("params-off", changed);
    this.element.classList.toggle("params-running", this.running);
    if (changed) this.note.textContent = "The task's words changed since its code was recorded: run the cell to have the model write new code.";
    else if (!record) this.note.textContent = "No recorded code yet: a change here only edits the text. Run the task once; then a change reruns its code.";
    else if (this.running) this.note.textContent = "Rerunning…";
    else this.note.textContent = "";
    this.note.hidden = this.note.textContent === "";
  }
}

function kindKey(control: ParameterControl): string {
  return control.kind === "number" ? (control.integer ? "int" : "float") : control.kind;
}

/** The parameter's field: its name, then its control(s). */
function field(name: string, kind: string, ...children: HTMLElement[]): HTMLElement {
  const element = el("div", { class: `param-field param-${kind}` }, el("span", { class: "param-name", text: name }), ...children);
  element.dataset.kind = kind;
  element.dataset.name = name;
  return element;
}

function box(name: string, kind: "decimal" | "text"): HTMLInputElement {
  return el("input", {
    class: "param-box",
    attrs: { type: "text", name, inputmode: kind, spellcheck: "false", autocomplete: "off", "aria-label": `parameter ${name}` },
  });
}

/** The notebook's keys stay out of a control (Escape puts the text's value back). */
function ownKeys(input: HTMLInputElement, onEnter: () => void, onEscape: () => void): void {
  input.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Enter") {
      event.preventDefault();
      onEnter();
    } else if (event.key === "Escape") {
      event.preventDefault();
      onEscape();
      input.blur();
    }
  });
}

/** Marks a control's field as holding a value that cannot be used (or no longer), with the reason as `titled`'s tooltip. */
function markInvalid(field: HTMLElement, titled: HTMLElement, message: string | undefined): void {
  field.classList.toggle("param-invalid", message !== undefined);
  titled.title = message ?? "";
}

/** A number: a slider over a range derived from the recorded value, and a box for an exact value. */
class NumberControl implements Control {
  readonly element: HTMLElement;
  private readonly slider = el("input", { class: "param-slider", attrs: { type: "range" } });
  private readonly input: HTMLInputElement;
  private readonly low = el("span", { class: "param-bound" });
  private readonly high = el("span", { class: "param-bound" });
  private range?: SliderRange;
  private shown = "";
  private dragging = false;

  constructor(
    private readonly name: string,
    private readonly control: ParameterControl & { kind: "number" },
    private readonly ask: (literal: string, timing: Timing) => void,
  ) {
    this.input = box(name, "decimal");
    this.slider.setAttribute("aria-label", `${name} slider`);
    this.element = field(name, control.integer ? "int" : "float", el("span", { class: "param-track" }, this.low, this.slider, this.high), this.input);
    this.slider.addEventListener("pointerdown", () => (this.dragging = true));
    const release = () => (this.dragging = false);
    this.slider.addEventListener("pointerup", release);
    this.slider.addEventListener("pointercancel", release);
    this.slider.addEventListener("input", () => this.slid("soon"));
    // Released, the run need not wait for the pause; a key on the slider (its change comes with
    // each press) waits for the keys to pause, so ten presses are one run.
    this.slider.addEventListener("change", () => {
      const released = this.dragging;
      this.dragging = false;
      this.slid(released ? "now" : "soon");
    });
    this.slider.addEventListener("keydown", (event) => event.stopPropagation());
    ownKeys(
      this.input,
      () => this.typed(),
      () => {
        this.input.value = this.shown;
        this.invalid(undefined);
      },
    );
    this.input.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
      event.preventDefault();
      const value = Number(this.input.value);
      if (!Number.isFinite(value) || !this.range) return;
      this.setNumber(value + (event.key === "ArrowUp" ? 1 : -1) * this.range.step, "soon");
    });
    this.input.addEventListener("change", () => this.typed());
  }

  busy(): boolean {
    return this.dragging || this.element.contains(document.activeElement);
  }

  show(parameter: TaskParameter, recorded: unknown): void {
    if (typeof parameter.value !== "number") return;
    if (!this.range) this.fit(typeof recorded === "number" ? recorded : parameter.value);
    this.fit(parameter.value);
    this.shown = parameter.raw;
    if (this.busy()) return;
    this.input.value = parameter.raw;
    this.slider.value = String(parameter.value);
    this.invalid(undefined);
  }

  enable(on: boolean): void {
    this.slider.disabled = !on;
    this.input.disabled = !on;
  }

  invalid(message: string | undefined): void {
    markInvalid(this.element, this.input, message);
  }

  /** Keeps the range while the value is in it (a slider does not jump under the hand), else derives one for the value. */
  private fit(value: number): void {
    const range =
      this.range && value >= this.range.min && value <= this.range.max
        ? withStepFor(this.range, value, this.control.integer)
        : sliderRange(value, this.control.integer);
    if (range === this.range) return;
    this.range = range;
    this.slider.min = String(range.min);
    this.slider.max = String(range.max);
    this.slider.step = String(range.step);
    this.low.textContent = String(range.min);
    this.high.textContent = String(range.max);
  }

  private slid(timing: Timing): void {
    const literal = numberLiteral(this.slider.valueAsNumber, { integer: this.control.integer, step: this.range?.step });
    this.input.value = literal;
    this.invalid(undefined);
    this.ask(literal, timing);
  }

  private setNumber(value: number, timing: Timing): void {
    const literal = numberLiteral(value, { integer: this.control.integer, step: this.range?.step });
    this.input.value = literal;
    this.fit(Number(literal));
    this.slider.value = literal;
    this.invalid(undefined);
    this.ask(literal, timing);
  }

  private typed(): void {
    const literal = typedLiteral(this.input.value, this.control);
    if (literal === undefined) {
      this.invalid("Write a number (or None, True, False, a quoted string or a list)");
      return;
    }
    this.invalid(undefined);
    const value = Number(literal.replace(/_/g, ""));
    if (Number.isFinite(value)) {
      this.fit(value);
      this.slider.value = String(value);
    }
    this.ask(literal, "now");
  }
}

/** True or False: a checkbox. */
class BooleanControl implements Control {
  readonly element: HTMLElement;
  private readonly box = el("input", { class: "param-check", attrs: { type: "checkbox" } });

  constructor(name: string, ask: (literal: string, timing: Timing) => void) {
    this.box.name = name;
    this.box.setAttribute("aria-label", `parameter ${name}`);
    const label = el("label", { class: "param-check-label" }, this.box, el("span", { class: "param-check-text" }));
    this.element = field(name, "boolean", label);
    this.box.addEventListener("keydown", (event) => event.stopPropagation());
    this.box.addEventListener("change", () => {
      this.caption();
      ask(this.box.checked ? "True" : "False", "now");
    });
  }

  busy(): boolean {
    return false;
  }

  show(parameter: TaskParameter): void {
    this.box.checked = parameter.value === true;
    this.caption();
  }

  enable(on: boolean): void {
    this.box.disabled = !on;
  }

  invalid(message: string | undefined): void {
    markInvalid(this.element, this.element, message);
  }

  private caption(): void {
    this.element.querySelector(".param-check-text")!.textContent = this.box.checked ? "True" : "False";
  }
}

/** A string (the text itself) or a literal (None, a list): a box, applied on Enter or on leaving it. */
class TextControl implements Control {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private shown = "";

  constructor(
    name: string,
    private readonly control: ParameterControl,
    private readonly ask: (literal: string, timing: Timing) => void,
  ) {
    this.input = box(name, "text");
    this.element = field(name, control.kind, this.input);
    ownKeys(
      this.input,
      () => this.typed(),
      () => {
        this.input.value = this.shown;
        this.invalid(undefined);
      },
    );
    this.input.addEventListener("change", () => this.typed());
  }

  busy(): boolean {
    return this.element.contains(document.activeElement);
  }

  show(parameter: TaskParameter): void {
    this.shown = typeof parameter.value === "string" ? parameter.value : parameter.raw;
    if (this.busy()) return;
    this.input.value = this.shown;
    this.input.size = Math.max(6, Math.min(32, this.shown.length + 1));
    this.invalid(undefined);
  }

  enable(on: boolean): void {
    this.input.disabled = !on;
  }

  invalid(message: string | undefined): void {
    markInvalid(this.element, this.input, message);
  }

  private typed(): void {
    if (this.input.value === this.shown) return;
    const literal = typedLiteral(this.input.value, this.control);
    if (literal === undefined) {
      this.invalid(
        this.control.kind === "text" ? "A parameter's text is one line" : "Write a Python literal: None, a number, a quoted string, True, False or a list",
      );
      return;
    }
    this.invalid(undefined);
    this.ask(literal, "now");
  }
}
