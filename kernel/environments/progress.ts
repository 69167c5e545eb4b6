// Progress of environment work, shown in the cell as it happens: one display, updated in
// place (update_display_data), one line per step: "Creating environment… done in 0.1 s".
import { randomUUID } from "node:crypto";
import { errorMessage } from "../common/errors.js";
import { escapeHtml } from "../common/html.js";
import type { OutputSink } from "../common/output-sink.js";

interface Step {
  text: string;
  state: "running" | "done" | "failed" | "note";
  started: number;
  ended?: number;
  detail?: string;
}

/** A running step: finish it, fail it, or change what it says while it runs (a download's percentage). */
export interface ProgressStep {
  done(detail?: string): void;
  fail(detail: string): void;
  update(text: string): void;
}

export class Progress {
  private readonly steps: Step[] = [];
  private readonly displayId = `luci-environment-${randomUUID()}`;
  private shown = false;

  constructor(private readonly sink: OutputSink | undefined) {}

  /** Starts a step; finish it with the returned function (or fail it). */
  step(text: string): ProgressStep {
    const step: Step = { text, state: "running", started: Date.now() };
    this.steps.push(step);
    this.render();
    const end = (state: Step["state"], detail?: string) => {
      step.state = state;
      step.detail = detail;
      step.ended = Date.now();
      this.render();
    };
    const update = (next: string) => {
      step.text = next;
      this.render();
    };
    return { done: (detail) => end("done", detail), fail: (detail) => end("failed", detail), update };
  }

  note(text: string): void {
    this.steps.push({ text, state: "note", started: Date.now() });
    this.render();
  }

  /** Runs `work` as one step, marking it done (with its time) or failed. */
  async run<T>(text: string, work: () => Promise<T>, describe?: (result: T) => string): Promise<T> {
    const step = this.step(text);
    try {
      const result = await work();
      step.done(describe?.(result));
      return result;
    } catch (err) {
      step.fail(errorMessage(err).split("\n")[0] ?? "failed");
      throw err;
    }
  }

  get lines(): string[] {
    return this.steps.map(lineOf);
  }

  private render(): void {
    if (!this.sink) return;
    const text = this.lines.join("\n");
    const html = `<pre class="luci-progress">${escapeHtml(text)}</pre>`;
    const data = { "text/plain": text, "text/html": html };
    const transient = { display_id: this.displayId };
    if (this.shown) this.sink.updateDisplay(data, {}, transient);
    else this.sink.display(data, {}, transient);
    this.shown = true;
  }
}

function lineOf(step: Step): string {
  const seconds = (((step.ended ?? Date.now()) - step.started) / 1000).toFixed(1);
  switch (step.state) {
    case "running":
      return `${step.text}…`;
    case "done":
      return `${step.text}… done in ${seconds} s${step.detail ? ` (${step.detail})` : ""}`;
    case "failed":
      return `${step.text}… failed: ${step.detail}`;
    case "note":
      return step.text;
  }
}
