// The rich outputs of a task cell, each its own display with a display_id: the model's answer
// streaming in (or "Thinking… N s" while a model reasons), then the analysis and plan, then the
// code; an answer that could not be used is shown folded. Each carries text/plain and
// text/markdown (readable in JupyterLab, on GitHub and in nbviewer with no extension) and the
// structured data as application/vnd.luci.*+json.
import { randomUUID } from "node:crypto";
import type { OutputSink } from "../common/output-sink.js";
import type { AnalysisAndPlan } from "./model/answer-schema.js";
import type { GateVerdict } from "./gate.js";
import { escapeHtml } from "../common/html.js";
import { collapsible, type HtmlRenderer } from "./safe-html.js";

/**
 * Shows streamed tokens in place, at most every `intervalMs`, so a fast stream cannot flood the
 * client. Reasoning streamed apart from the answer is not shown as text: while it arrives the
 * cell says "Thinking… 12 s", the time so far (updated as the reasoning streams, at most once
 * a second), so that a reasoning model's cell does not sit empty for a minute.
 */
export class StreamingDisplay {
  private text = "";
  private readonly displayId = `luci-generation-${randomUUID()}`;
  private shown = false;
  private timer?: NodeJS.Timeout;
  private thinkingSince?: number;
  private thoughtSeconds?: number;
  private shownSeconds = -1;

  constructor(
    private readonly sink: OutputSink,
    private readonly label: string,
    private readonly intervalMs = 50,
    private readonly now: () => number = Date.now,
  ) {}

  add(token: string): void {
    if (this.thinkingSince !== undefined && this.thoughtSeconds === undefined) this.thoughtSeconds = this.elapsed();
    this.text += token;
    if (!this.shown || this.text === token) this.render();
    else this.timer ??= setTimeout(() => this.render(), this.intervalMs);
  }

  /** A piece of reasoning arrived: "Thinking… N s" while no answer text has come. */
  thinking(_piece: string): void {
    this.thinkingSince ??= this.now();
    if (this.text) return;
    const seconds = this.elapsed();
    if (seconds !== this.shownSeconds) this.render();
  }

  note(line: string): void {
    this.text += `\n[${line}]\n`;
    this.render();
  }

  /** Replaces the stream with a one-line summary once the answer is complete. */
  finish(summary: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.shown) return;
    const thought = this.thinkingSince !== undefined ? ` (thought for ${this.thoughtSeconds ?? this.elapsed()} s)` : "";
    this.publish({ "text/plain": `${summary}${thought}`, "text/markdown": `*${summary}${thought}*` });
  }

  private elapsed(): number {
    return this.thinkingSince === undefined ? 0 : Math.floor((this.now() - this.thinkingSince) / 1000);
  }

  private render(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.text && this.thinkingSince !== undefined) {
      this.shownSeconds = this.elapsed();
      const line = `Thinking… ${this.shownSeconds} s`;
      this.publish({ "text/plain": `${this.label}\n${line}`, "text/markdown": `*${this.label}*\n\n${line}` });
      return;
    }
    const head = this.thoughtSeconds !== undefined ? `(thought for ${this.thoughtSeconds} s)\n` : "";
    const tail = this.text.length > 4000 ? `…${this.text.slice(-4000)}` : this.text;
    this.publish({ "text/plain": `${this.label}\n${head}${tail}`, "text/markdown": `*${this.label}*\n\n${head}${fence(tail)}` });
  }

  private publish(data: Record<string, string>): void {
    const transient = { display_id: this.displayId };
    if (this.shown) this.sink.updateDisplay(data, {}, transient);
    else this.sink.display(data, {}, transient);
    this.shown = true;
  }
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

export function showPlan(sink: OutputSink, plan: AnalysisAndPlan, notes: string[], html: HtmlRenderer): void {
  const a = plan.analysis;
  const header =
    `Task type: ${a.task_type.replace("_", " ")}, complexity ${a.complexity}` +
    (a.data_sources.length ? `; data: ${markdownText(a.data_sources.join(", "))}` : "");
  const steps = plan.plan.steps.length
    ? plan.plan.steps.map((s) => {
        const io = s.inputs.length || s.outputs.length ? ` (${s.inputs.join(", ") || "nothing"} → ${s.outputs.join(", ") || "nothing"})` : "";
        return `${s.step}. ${markdownText(s.action)}${markdownText(io)}`;
      })
    : ["(The answer gave no plan in words; the code is below.)"];
  const noteLines = notes.map((n) => `Note: ${n}`);
  const body = [...steps, ...(noteLines.length ? ["", ...noteLines.map((n) => `*${n}*`)] : [])].join("\n");
  sink.display(
    {
      "text/plain": ["Plan", header, ...steps, ...noteLines].join("\n"),
      "text/markdown": [`**Plan** · ${header}`, "", body].join("\n"),
      "text/html": collapsible("plan", `Plan · ${header}`, html(body)),
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

/** Model text inside markdown: raw HTML escaped, so a frontend that renders markdown shows it as text. */
function markdownText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function showCode(sink: OutputSink, code: string, origin: { model: string; calls: number }, html: HtmlRenderer, title = "Code"): void {
  const fenced = fence(code, "python");
  sink.display(
    {
      "text/plain": `${title} (from ${origin.model})\n${code}`,
      "text/markdown": `**${title}** · from ${origin.model}\n\n${fenced}`,
      "text/html": collapsible("code", `${title} · from ${origin.model}`, html(fenced)),
      "application/vnd.luci.code+json": { code, model: origin.model, calls: origin.calls },
    },
    {},
    { display_id: `luci-code-${randomUUID()}` },
  );
}

/**
 * The gate's verdict. A report (passed or not) shows its score and issues; an undecided verdict
 * says why there is none. Only a pass is folded on the page: anything else is what to read.
 */
export function showValidation(sink: OutputSink, verdict: GateVerdict, html: HtmlRenderer): void {
  let head: string;
  let issues: string[] = [];
  let data: Record<string, unknown>;
  if (verdict.verdict === "undecided") {
    head = `Validation: could not be validated (${verdict.reason}): the code is shown and not run`;
    data = { status: "undecided", passed: false, reason: verdict.reason, issues: [], summary: `could not be validated: ${verdict.reason}` };
  } else {
    const { report } = verdict;
    const result = report.passed ? "passed" : "not passed: the code is shown and not run";
    head = `Validation: score ${report.score.toFixed(2)} (threshold ${report.threshold.toFixed(2)}), ${result}`;
    issues = report.issues.map((i) => `- ${i.severity}${i.line ? `, line ${i.line}` : ""}: ${i.message}${i.hint ? ` (${i.hint})` : ""}`);
    data = report;
  }
  sink.display(
    {
      "text/plain": [head, ...issues].join("\n"),
      "text/markdown": [`**${head}**`, ...(issues.length ? ["", ...issues] : [])].join("\n"),
      "text/html": collapsible("validation", head, html(issues.join("\n") || (verdict.verdict === "undecided" ? verdict.reason : "No issues."))),
      "application/vnd.luci.validation+json": data,
    },
    {},
    { display_id: `luci-validation-${randomUUID()}` },
  );
}

/** `%luci regenerate`: what changed between the recorded code and the new code. */
export function showDiff(sink: OutputSink, diff: string, html: HtmlRenderer): void {
  const text = diff || "The new code is the same as the recorded code.";
  const fenced = diff ? fence(diff, "diff") : text;
  sink.display(
    {
      "text/plain": `Changes from the recorded code\n${text}`,
      "text/markdown": `**Changes from the recorded code**\n\n${fenced}`,
      "text/html": collapsible("diff", "Changes from the recorded code", html(fenced)),
    },
    {},
    { display_id: `luci-diff-${randomUUID()}` },
  );
}
