// The kernel's task outputs, drawn from their structured data (application/vnd.luci.*+json)
// rather than from the kernel's HTML: every string the model wrote goes in as text, so no model
// output can become markup here. Plan, code, validation and record are collapsible panels.
import { el } from "../dom.js";
import { objectOr, objects, textOf } from "../model/json.js";
import { highlightPython } from "./python-highlight.js";

export const LUCI_MIME = {
  plan: "application/vnd.luci.plan+json",
  code: "application/vnd.luci.code+json",
  validation: "application/vnd.luci.validation+json",
  record: "application/vnd.luci.record+json",
} as const;

/** The answer while it streams (kernel/pipeline/task-displays.ts, StreamingDisplay): not in LUCI_MIME, it is no panel of its own. */
export const LUCI_STREAM_MIME = "application/vnd.luci.stream+json";

type Json = Record<string, unknown>;
const str = textOf;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function panel(kind: string, open: boolean, summary: (Node | string)[], body: Node[]): HTMLElement {
  const details = el("details", { class: `luci-panel luci-${kind}` });
  details.open = open;
  details.append(el("summary", {}, ...summary), el("div", { class: "luci-panel-body" }, ...body));
  return details;
}

const badge = (text: string, cls = "") => el("span", { class: `luci-badge ${cls}`.trim(), text });

export function renderPlan(value: Json): HTMLElement {
  const analysis = objectOr(value.analysis);
  const steps = objects(objectOr(value.plan).steps);
  const facts = [str(analysis.task_type).replace(/_/g, " "), analysis.complexity ? `${str(analysis.complexity)}` : ""].filter(Boolean);
  const sources = list(analysis.data_sources).map(str).filter(Boolean);
  const ol = el("ol", { class: "luci-steps" });
  for (const step of steps) {
    const inputs = list(step.inputs).map(str);
    const outputs = list(step.outputs).map(str);
    ol.append(
      el(
        "li",
        {},
        el("span", { class: "luci-step-action", text: str(step.action) }),
        inputs.length || outputs.length
          ? el("span", { class: "luci-step-io", text: `${inputs.join(", ") || "nothing"} → ${outputs.join(", ") || "nothing"}` })
          : null,
      ),
    );
  }
  return panel(
    "plan",
    true,
    [
      badge("Plan"),
      el("span", { class: "luci-summary-text", text: [facts.join(" · "), sources.length ? `data: ${sources.join(", ")}` : ""].filter(Boolean).join(" · ") }),
    ],
    [ol],
  );
}

export function renderCode(value: Json, title = "Code"): HTMLElement {
  const code = str(value.code);
  const copy = el("button", { class: "luci-copy", text: "Copy", title: "Copy the code" });
  copy.addEventListener("click", (event) => {
    event.preventDefault();
    void navigator.clipboard?.writeText(code).then(() => (copy.textContent = "Copied"));
  });
  const lines = code.replace(/\n+$/, "").split("\n").length;
  return panel(
    "code",
    true,
    [
      badge(title),
      el("span", { class: "luci-summary-text", text: `${lines} ${lines === 1 ? "line" : "lines"}${value.model ? ` · from ${str(value.model)}` : ""}` }),
      copy,
    ],
    [el("pre", { class: "luci-source" }, el("code", {}, highlightPython(code)))],
  );
}

export function renderValidation(value: Json): HTMLElement {
  // No verdict at all (the validator failed or did not answer): the code was not run.
  if (value.status === "undecided")
    return panel(
      "validation",
      true,
      [badge("Validation"), badge("could not be validated", "luci-bad"), el("span", { class: "luci-summary-text", text: "the code is shown and not run" })],
      [el("p", { class: "luci-muted", text: str(value.reason) })],
    );
  const passed = value.passed === true;
  const score = typeof value.score === "number" ? value.score.toFixed(2) : "–";
  const threshold = typeof value.threshold === "number" ? value.threshold.toFixed(2) : undefined;
  const issues = objects(value.issues);
  const body = issues.length
    ? el(
        "ul",
        { class: "luci-issues" },
        ...issues.map((i) =>
          el(
            "li",
            { class: `luci-issue luci-severity-${str(i.severity)}` },
            el("span", { class: "luci-issue-severity", text: str(i.severity) }),
            i.line ? el("span", { class: "luci-issue-line", text: `line ${str(i.line)}` }) : null,
            el("span", { text: str(i.message) }),
            i.hint ? el("span", { class: "luci-issue-hint", text: str(i.hint) }) : null,
          ),
        ),
      )
    : el("p", { class: "luci-muted", text: str(value.summary) || "No issues found." });
  return panel(
    "validation",
    !passed || issues.length > 0,
    [
      badge("Validation"),
      badge(passed ? "passed" : "not passed", passed ? "luci-ok" : "luci-bad"),
      el("span", { class: "luci-summary-text", text: `score ${score}${threshold ? ` (threshold ${threshold})` : ""}` }),
    ],
    [body],
  );
}

export function renderRecord(value: Json): HTMLElement {
  const code = str(value.code);
  const date = /^\d{4}-\d{2}-\d{2}/.exec(str(value.created))?.[0] ?? str(value.created);
  const params = Object.entries(objectOr(value.parameters)).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return panel(
    "record",
    false,
    [
      badge("Recorded"),
      el("span", {
        class: "luci-summary-text",
        text: `code from ${str(value.model)}, ${date}${value.author ? `, by ${str(value.author)}` : ""}${params.length ? ` · made with ${params.join(", ")}` : ""}`,
      }),
    ],
    [el("pre", { class: "luci-source" }, el("code", {}, highlightPython(code)))],
  );
}

/**
 * The model's answer as it streams: the plan's steps as a list and the code highlighted, as far
 * as they have come; "Thinking… N s" while the model reasons; after an interrupt, the note and
 * what had come, folded.
 */
export function renderStream(value: Json): HTMLElement {
  const state = str(value.state);
  const steps = list(value.steps).map(str).filter(Boolean);
  const code = str(value.code);
  const box = el("div", { class: `luci-stream luci-stream-${state || "streaming"}` });
  const stepList = () => el("ol", { class: "luci-steps" }, ...steps.map((s) => el("li", {}, el("span", { class: "luci-step-action", text: s }))));
  const source = () => el("pre", { class: "luci-source" }, el("code", {}, highlightPython(code)));
  const notes = list(value.notes).map(str).filter(Boolean);
  if (state === "interrupted" || state === "stopped") {
    box.append(el("p", { class: "luci-stream-note", text: str(value.note) }));
    if (steps.length || code) {
      const lines = typeof value.code_lines === "number" ? value.code_lines : 0;
      const fold = panel(
        "stream",
        false,
        [
          badge(lines ? "Code as far as it came" : "Plan as far as it came"),
          el("span", { class: "luci-summary-text", text: lines ? `${lines} ${lines === 1 ? "line" : "lines"}` : "" }),
        ],
        [...(steps.length ? [stepList()] : []), ...(code ? [source()] : [])],
      );
      box.append(fold);
    }
    return box;
  }
  box.append(el("p", { class: "luci-muted luci-stream-label", text: str(value.label) }));
  for (const note of notes) box.append(el("p", { class: "luci-muted", text: note }));
  if (state === "thinking") {
    box.append(el("p", { class: "luci-muted", text: `Thinking… ${typeof value.thinking_seconds === "number" ? value.thinking_seconds : 0} s` }));
    return box;
  }
  if (typeof value.thought_seconds === "number") box.append(el("p", { class: "luci-muted", text: `(thought for ${value.thought_seconds} s)` }));
  if (steps.length) box.append(stepList());
  if (code) box.append(source());
  if (!steps.length && !code) box.append(el("p", { class: "luci-muted", text: "(the model is writing…)" }));
  return box;
}
