// The parameters of a task as fields under the cell. Changing one rewrites `{name=value}` in the
// task text and runs the cell: the kernel reruns the recorded code with the new value, with no
// model call. Before it runs, `changed` (when given: Luci's page) is told the name and the value
// the cell last had, so that later cells that read it can be marked stale.
import { el } from "../dom.js";
import { literalFor, taskParameters, withParameter } from "../model/task-parameters.js";

export class ParameterFields {
  readonly element = el("div", { class: "cell-params" });

  constructor(
    private readonly getSource: () => string,
    private readonly setSourceAndRun: (source: string) => void,
    private readonly changed?: (name: string, before: string) => void,
  ) {}

  /** Redraws the fields from the task text (keeps focus when the names did not change). */
  update(): void {
    const { parameters, problems } = taskParameters(this.getSource());
    const names = parameters.map((p) => `${p.name}=${p.raw}`).join("|");
    if (this.element.dataset.names === names && !problems.length && !this.element.querySelector(".param-problem")) return;
    this.element.dataset.names = names;
    this.element.replaceChildren();
    this.element.hidden = parameters.length === 0 && problems.length === 0;
    if (parameters.length) this.element.append(el("span", { class: "params-label", text: "Parameters" }));
    for (const parameter of parameters) {
      const input = el("input", {
        attrs: { type: "text", name: parameter.name, spellcheck: "false", autocomplete: "off", "aria-label": `parameter ${parameter.name}` },
      });
      input.value = typeof parameter.value === "string" ? parameter.value : parameter.raw;
      input.size = Math.max(4, Math.min(24, input.value.length + 1));
      const field = el("label", { class: "param-field" }, el("span", { class: "param-name", text: parameter.name }), input);
      const commit = () => {
        const current = taskParameters(this.getSource()).parameters.find((p) => p.name === parameter.name);
        if (!current) return;
        const literal = literalFor(input.value, current);
        if (literal === undefined) {
          field.classList.add("param-invalid");
          input.title = "Write a number, a quoted string, True, False, None or a list";
          return;
        }
        field.classList.remove("param-invalid");
        if (literal === current.raw) return;
        this.changed?.(parameter.name, current.raw);
        this.setSourceAndRun(withParameter(this.getSource(), parameter.name, literal));
      };
      input.addEventListener("keydown", (event) => {
        event.stopPropagation(); // the notebook's keys stay out of the field
        if (event.key === "Enter") {
          event.preventDefault();
          commit();
        } else if (event.key === "Escape") {
          input.value = typeof parameter.value === "string" ? parameter.value : parameter.raw;
          input.blur();
        }
      });
      input.addEventListener("change", commit);
      this.element.append(field);
    }
    for (const problem of problems) this.element.append(el("span", { class: "param-problem", text: problem }));
  }
}
