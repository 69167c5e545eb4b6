// The rich outputs of a task cell, each its own display with a display_id: the model's answer
// streaming in (or "Thinking… N s" while a model reasons), then the analysis and plan, then the
// code; an answer that could not be used is shown folded. Each carries text/plain and
// text/markdown (readable in JupyterLab, on GitHub and in nbviewer with no extension) and the
// structured data as application/vnd.luci.*+json.
import { randomUUID } from "node:crypto";
import type { OutputSink } from "../common/output-sink.js";
import type { AnalysisAndPlan, PlanStep } from "./model/answer-schema.js";
import type { GateVerdict } from "./gate.js";
import { escapeHtml } from "../common/html.js";
import type { HtmlRenderer } from "./safe-html.js";
import { readPartialAnswer } from "./model/partial-answer.js";

/** The streaming answer's structured data, for a frontend that draws it itself (Luci's page). */
export const STREAM_MIME = "application/vnd.luci.stream+json";

/** Code longer than this is shown by its end while it streams (the whole of it comes in the Code output). */
const MAX_STREAM_CODE = 20_000;

/**
 * Shows the answer in place while it streams, at most every `intervalMs`, so a fast stream cannot
 * flood the client: the plan's steps as a list and the code as a python block as far as they
 * have come (model/partial-answer.ts reads them), not the model's raw text. Reasoning streamed
 * apart from the answer, or inside a `<think>` that has not closed, is not shown: the cell says
 * "Thinking… 12 s", the time so far (updated at most once a second). An answer stopped before
 * its end (an interrupt, a broken connection) leaves a short note with the code that had come, folded.
 */
export class StreamingDisplay {
  private text = "";
  private toolArguments = "";
  private readonly notes: string[] = [];
  private readonly displayId = `luci-generation-${randomUUID()}`;
  private shown = false;
  private ended = false;
  private timer?: NodeJS.Timeout;
  private thinkingSince?: number;
  private thoughtSeconds?: number;
  private shownSeconds = -1;
  /** Reasoning came apart from the answer (reasoning_content), not inside `<think>`. */
  private reasoningApart = false;
  /** What was last sent, so that a redraw that changes nothing sends nothing. */
  private lastSent = "";

  constructor(
    private readonly sink: OutputSink,
    private readonly label: string,
    private readonly intervalMs = 50,
    private readonly now: () => number = Date.now,
  ) {}

  /** A piece of the answer's text. */
  add(token: string): void {
    this.received(() => (this.text += token));
  }

  /** A piece of a tool call's arguments (code some models send as a call). */
  addToolArguments(piece: string): void {
    this.received(() => (this.toolArguments += piece));
  }

  /** A piece of reasoning arrived: "Thinking… N s" while no answer text has come. */
  thinking(_piece: string): void {
    if (this.ended) return;
    this.reasoningApart = true;
    this.thinkingSince ??= this.now();
    if (this.text || this.toolArguments) return;
    const seconds = this.elapsed();
    if (seconds !== this.shownSeconds) this.render();
  }

  note(line: string): void {
    if (this.ended) return;
    this.notes.push(line);
    this.render();
  }

  /** Replaces the stream with a one-line summary once the answer is complete. */
  finish(summary: string): void {
    this.end();
    if (!this.shown) return;
    const thought = this.thinkingSince !== undefined ? ` (thought for ${this.thoughtSeconds ?? this.elapsed()} s)` : "";
    this.publish({ "text/plain": `${summary}${thought}`, "text/markdown": `*${markdownText(summary)}${thought}*` });
  }

  /**
   * The answer stopped before its end: a note that says so and how much code had come, the
   * steps and code so far folded under it. `interrupted`: the user stopped it; else it broke off.
   */
  stop(interrupted: boolean): void {
    this.end();
    if (!this.shown) return;
    const { steps, code } = readPartialAnswer(this.text, this.toolArguments);
    const lines = code ? code.split("\n").length : 0;
    const what = interrupted ? "Interrupted while the model was writing" : "The answer broke off while the model was writing";
    const note = `${what}; ${lines ? `${lines} ${lines === 1 ? "line" : "lines"} of code had come` : "no code had come"}.`;
    const shownCode = clipCode(code);
    const folded = [...(steps.length ? [stepList(steps), ""] : []), ...(code ? [fence(shownCode, "python")] : [])].join("\n");
    const summary = lines ? `The code as far as it came (${lines} ${lines === 1 ? "line" : "lines"})` : "The plan as far as it came";
    this.publish({
      "text/plain": [note, ...steps.map((s, i) => `${i + 1}. ${s}`), ...(code ? ["", shownCode] : [])].join("\n"),
      "text/markdown": `*${note}*` + (folded ? `\n\n<details><summary>${escapeHtml(summary)}</summary>\n\n${folded}\n\n</details>` : ""),
      [STREAM_MIME]: { state: interrupted ? "interrupted" : "stopped", label: this.label, note, steps, code, code_lines: lines, notes: this.notes },
    });
  }

  private received(append: () => void): void {
    if (this.ended) return;
    if (this.reasoningApart && this.thoughtSeconds === undefined) this.thoughtSeconds = this.elapsed();
    const first = !this.text && !this.toolArguments;
    append();
    if (!this.shown || first) this.render();
    else this.timer ??= setTimeout(() => this.render(), this.intervalMs);
  }

  private end(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.ended = true;
  }

  private elapsed(): number {
    return this.thinkingSince === undefined ? 0 : Math.floor((this.now() - this.thinkingSince) / 1000);
  }

  private render(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const read = readPartialAnswer(this.text, this.toolArguments);
    const notes = this.notes.map((n) => `[${n}]`);
    if (read.reasoning) this.thinkingSince ??= this.now();
    else if (this.thinkingSince !== undefined && !this.reasoningApart) this.thoughtSeconds ??= this.elapsed();
    const reasoningOnly = read.reasoning || (this.reasoningApart && !read.writing);
    if (reasoningOnly && !read.steps.length && !read.code) {
      // Reasoning (apart, or in a <think> not closed yet): how long so far.
      this.shownSeconds = this.elapsed();
      const line = `Thinking… ${this.shownSeconds} s`;
      this.publish({
        "text/plain": [this.label, ...notes, line].join("\n"),
        "text/markdown": [`*${markdownText(this.label)}*`, ...notes.map(markdownText), line].join("\n\n"),
        [STREAM_MIME]: { state: "thinking", label: this.label, thinking_seconds: this.shownSeconds, steps: [], code: "", code_lines: 0, notes: this.notes },
      });
      return;
    }
    const head = this.thoughtSeconds !== undefined ? `(thought for ${this.thoughtSeconds} s)` : undefined;
    const code = clipCode(read.code);
    const waiting = !read.steps.length && !read.code && read.writing ? "(the model is writing…)" : undefined;
    const plain = [this.label, ...notes, ...(head ? [head] : []), ...read.steps.map((s, i) => `${i + 1}. ${s}`), ...(waiting ? [waiting] : [])];
    const markdown = [`*${markdownText(this.label)}*`, ...notes.map(markdownText), ...(head ? [head] : [])];
    if (read.steps.length) markdown.push(stepList(read.steps));
    if (waiting) markdown.push(`*${waiting}*`);
    if (code) {
      plain.push("", code);
      markdown.push(fence(code, "python"));
    }
    this.publish({
      "text/plain": plain.join("\n"),
      "text/markdown": markdown.join("\n\n"),
      [STREAM_MIME]: {
        state: "streaming",
        label: this.label,
        ...(this.thoughtSeconds !== undefined ? { thought_seconds: this.thoughtSeconds } : {}),
        steps: read.steps,
        code: read.code,
        code_lines: read.code ? read.code.split("\n").length : 0,
        notes: this.notes,
      },
    });
  }

  private publish(data: Record<string, unknown>): void {
    const transient = { display_id: this.displayId };
    const sent = JSON.stringify(data);
    if (sent === this.lastSent) return;
    this.lastSent = sent;
    if (this.shown) this.sink.updateDisplay(data, {}, transient);
    else this.sink.display(data, {}, transient);
    this.shown = true;
  }
}

/** Steps as a markdown numbered list, the model's text escaped. */
function stepList(steps: string[]): string {
  return steps.map((s, i) => `${i + 1}. ${markdownText(s)}`).join("\n");
}

/** Code shown by its end when it is very long. */
function clipCode(code: string): string {
  if (code.length <= MAX_STREAM_CODE) return code;
  const tail = code.slice(-MAX_STREAM_CODE);
  const kept = tail.slice(tail.indexOf("\n") + 1);
  const earlier = code.slice(0, code.length - kept.length).split("\n").length - 1;
  return `# … ${earlier} earlier lines\n${kept}`;
}

/**
 * An answer Luci could not use, shown folded under the error that says why: the raw text as the
 * model wrote it (reasoning included), so that the user can see what went wrong.
 */
export function showRawAnswer(sink: OutputSink, text: string, html: HtmlRenderer): void {
  const title = "The model's answer (not used)";
  const body = text.length > 20_000 ? `${text.slice(0, 20_000)}\n… (${text.length - 20_000} more characters)` : text;
  const fenced = fence(body || "(empty)");
  sink.display(
    {
      "text/plain": `${title}\n${body}`,
      "text/markdown": `<details><summary>${title}</summary>\n\n${fenced}\n\n</details>`,
      "text/html": `<details class="luci-raw-answer"><summary>${escapeHtml(title)}</summary>\n${html(fenced)}</details>`,
    },
    {},
    { display_id: `luci-raw-answer-${randomUUID()}` },
  );
}

export function showPlan(sink: OutputSink, plan: AnalysisAndPlan, notes: string[]): void {
  const a = plan.analysis;
  const kind = `Task type: ${a.task_type.replace("_", " ")}, complexity ${a.complexity}`;
  const sources = a.data_sources.join(", ");
  const header = kind + (sources ? `; data: ${markdownText(sources)}` : "");
  const io = (s: PlanStep) => (s.inputs.length || s.outputs.length ? ` (${s.inputs.join(", ") || "nothing"} → ${s.outputs.join(", ") || "nothing"})` : "");
  const none = "(The answer gave no plan in words; the code is below.)";
  const plainSteps = plan.plan.steps.length ? plan.plan.steps.map((s) => `${s.step}. ${s.action}${io(s)}`) : [none];
  const steps = plan.plan.steps.length ? plan.plan.steps.map((s) => `${s.step}. ${markdownText(s.action + io(s))}`) : [none];
  const noteLines = notes.map((n) => `Note: ${n}`);
  const body = [...steps, ...(noteLines.length ? ["", ...noteLines.map((n) => `*${markdownText(n)}*`)] : [])].join("\n");
  sink.display(
    {
      "text/plain": ["Plan", kind + (sources ? `; data: ${sources}` : ""), ...plainSteps, ...noteLines].join("\n"),
      "text/markdown": [`**Plan** · ${header}`, "", body].join("\n"),
      "application/vnd.luci.plan+json": plan,
    },
    {},
    { display_id: `luci-plan-${randomUUID()}` },
  );
}

/** A fenced block one backtick longer than any run of backticks in the text, so the text cannot close it. */
export function fence(text: string, language = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const marks = "`".repeat(longest + 1);
  return `${marks}${language}\n${text}\n${marks}`;
}

/**
 * Model text inside markdown: raw HTML escaped, and brackets, so that a frontend that renders
 * markdown without sanitizing it (JupyterLab, for the outputs of a live session) shows it as
 * text: no tag, no link, no image.
 */
export function markdownText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([[\]])/g, "\\$1");
}

// The outputs below carry text/markdown and no text/html beside their structured data: a
// frontend with no renderer of Luci's own (JupyterLab without an extension, nbconvert, GitHub,
// VS Code) then renders the markdown, and highlights its ```python block itself, in its own
// theme (JupyterLab with CodeMirror's, nbconvert with Pygments). An HTML fallback would be
// preferred to the markdown by all of them, and could only colour code with fixed inline colours.

export function showCode(sink: OutputSink, code: string, origin: { model: string; calls: number }, title = "Code"): void {
  const lines = code.replace(/\n+$/, "").split("\n").length;
  sink.display(
    {
      "text/plain": `${title} (from ${origin.model})\n${code}`,
      "text/markdown": `**${markdownText(title)}** · from ${markdownText(origin.model)} · ${lines} ${lines === 1 ? "line" : "lines"}\n\n${fence(code.replace(/\n+$/, ""), "python")}`,
      "application/vnd.luci.code+json": { code, model: origin.model, calls: origin.calls },
    },
    {},
    { display_id: `luci-code-${randomUUID()}` },
  );
}

/**
 * The gate's verdict. A report (passed or not) shows its score and issues; an undecided verdict
 * says why there is none. A pass is folded (its summary line says it all); anything else is
 * what to read, and shows open.
 */
export function showValidation(sink: OutputSink, verdict: GateVerdict): void {
  let head: string;
  let issues: string[] = [];
  let data: Record<string, unknown>;
  let markdown: string;
  if (verdict.verdict === "undecided") {
    head = `Validation: could not be validated (${verdict.reason}): the code is shown and not run`;
    data = { status: "undecided", passed: false, reason: verdict.reason, issues: [], summary: `could not be validated: ${verdict.reason}` };
    markdown = `**${markdownText(head)}**`;
  } else {
    const { report } = verdict;
    const result = report.passed ? "passed" : "not passed: the code is shown and not run";
    head = `Validation: score ${report.score.toFixed(2)} (threshold ${report.threshold.toFixed(2)}), ${result}`;
    issues = report.issues.map((i) => `- ${i.severity}${i.line ? `, line ${i.line}` : ""}: ${i.message}${i.hint ? ` (${i.hint})` : ""}`);
    data = report;
    const listed = issues.map(markdownText).join("\n");
    if (report.passed) {
      const count = issues.length ? `${issues.length} ${issues.length === 1 ? "note" : "notes"}` : "no issues";
      markdown = `<details><summary>${escapeHtml(`${head} · ${count}`)}</summary>\n\n${listed || "No issues found."}\n\n</details>`;
    } else markdown = [`**${markdownText(head)}**`, ...(issues.length ? ["", listed] : [])].join("\n");
  }
  sink.display(
    {
      "text/plain": [head, ...issues].join("\n"),
      "text/markdown": markdown,
      "application/vnd.luci.validation+json": data,
    },
    {},
    { display_id: `luci-validation-${randomUUID()}` },
  );
}

/** `%luci regenerate`: what changed between the recorded code and the new code. */
export function showDiff(sink: OutputSink, diff: string): void {
  const text = diff || "The new code is the same as the recorded code.";
  sink.display(
    {
      "text/plain": `Changes from the recorded code\n${text}`,
      "text/markdown": `**Changes from the recorded code**\n\n${diff ? fence(diff, "diff") : text}`,
    },
    {},
    { display_id: `luci-diff-${randomUUID()}` },
  );
}

/** One parameter of a task as its cell shows it: the value it ran with (a Python repr) and where that value came from. */
export interface ShownParameter {
  name: string;
  value: string;
  /**
   * task: the `{name=value}` typed in the task; parameters-cell: the live value, as the last cell of
   * plain literal assignments (a `parameters` cell, papermill's injected one) set it;
   * changed-later: the live value, changed by a cell after that one; notebook: the live value,
   * set by a cell further back than the cells the kernel keeps in view.
   */
  from: "task" | "parameters-cell" | "changed-later" | "notebook";
}

const PARAMETER_SOURCES: Record<ShownParameter["from"], string> = {
  task: "typed in the task",
  "parameters-cell": "from the parameters cell",
  "changed-later": "from the notebook: changed after the parameters cell",
  notebook: "from the notebook",
};

/** Shown values are clipped: a parameter is a short literal, its live value need not be. */
const MAX_SHOWN_VALUE = 80;

/**
 * "Parameters: rate = 0.07 (from the parameters cell) · principal = 250000 (typed in the task)",
 * just before the task's code runs; the same list as JSON in the display's metadata
 * (`luci.parameters`), for a frontend that reads it.
 */
export function showParameters(sink: OutputSink, parameters: ShownParameter[]): void {
  const clipped = parameters.map((p) => ({ ...p, value: p.value.length > MAX_SHOWN_VALUE ? `${p.value.slice(0, MAX_SHOWN_VALUE - 1)}…` : p.value }));
  const plain = clipped.map((p) => `${p.name} = ${p.value} (${PARAMETER_SOURCES[p.from]})`);
  const markdown = clipped.map((p) => `\`${p.name} = ${p.value.replace(/`/g, "'")}\` (${PARAMETER_SOURCES[p.from]})`);
  sink.display(
    { "text/plain": `Parameters: ${plain.join(" · ")}`, "text/markdown": `Parameters: ${markdown.join(" · ")}` },
    { luci: { parameters: clipped.map((p) => ({ name: p.name, value: p.value, from: p.from })) } },
    { display_id: `luci-parameters-${randomUUID()}` },
  );
}
