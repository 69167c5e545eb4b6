// The task outputs as nbviewer and GitHub-like renderers show them: a notebook holding the plan,
// code, validation, record and an interrupted stream (as the kernel makes them) goes through
// `jupyter nbconvert --to html` from .venv, which renders their text/markdown as nbviewer does:
// the code is a Pygments-highlighted python block, a passed validation is folded, the record
// line reads as written, and the model's markup stays text.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { OutputSink } from "../../../kernel/common/output-sink.js";
import { newRecord, recordDisplay, type LuciRecord } from "../../../kernel/pipeline/records/record.js";
import { showCode, showPlan, showValidation, StreamingDisplay } from "../../../kernel/pipeline/task-displays.js";
import { ROOT } from "../../support/kernel-process.js";

function outputsOf(make: (sink: OutputSink) => void): Record<string, unknown>[] {
  const outputs: Record<string, unknown>[] = [];
  const sink: OutputSink = {
    stream() {},
    display: (data, metadata) => void outputs.push({ output_type: "display_data", data, metadata }),
    updateDisplay: (data, metadata) => void (outputs[outputs.length - 1] = { output_type: "display_data", data, metadata }),
    clearOutput() {},
    result() {},
    error() {},
    input: async () => "",
  };
  make(sink);
  return outputs;
}

describe("task outputs through nbconvert --to html", () => {
  it("show highlighted code, a folded pass, the record line and the interrupted note", () => {
    const code = "# Add them up\nnumbers = [3, 4, 5]\nprint('total', sum(numbers))\n";
    const record = {
      ...newRecord({ task: "Add three numbers", code, model: "fake-coder", validation: { passed: true }, created: "2026-12-03T10:00:00Z", author: "ana@box" }),
      signature: "0".repeat(64),
    } as LuciRecord;
    const task = outputsOf((sink) => {
      showPlan(
        sink,
        {
          analysis: { task_type: "calculation", needs_web_interface: false, needs_simulation: false, data_sources: [], complexity: "low" },
          plan: { steps: [{ step: 1, action: "Add them up <img src=x onerror=alert(1)>", inputs: [], outputs: [] }] },
        },
        [],
      );
      showCode(sink, code, { model: "fake-coder", calls: 1 });
      showValidation(sink, { verdict: "passed", report: { status: "ok", score: 1, passed: true, threshold: 0.8, issues: [], summary: "" } });
      const { data, metadata } = recordDisplay(record, "mine");
      sink.display(data, metadata, {});
    });
    const interrupted = outputsOf((sink) => {
      const stream = new StreamingDisplay(sink, "Asking fake-coder…", 0);
      stream.add("```python\n# Set the values\nvalue_0 = 0\nvalue_1 = 1\n");
      stream.stop(true);
    });
    const folder = mkdtempSync(join(tmpdir(), "luci-nbconvert-outputs-"));
    const cell = (source: string, outputs: Record<string, unknown>[], id: string) => ({
      id,
      cell_type: "code",
      metadata: {},
      execution_count: 1,
      source,
      outputs,
    });
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "luci", display_name: "Luci", language: "python" }, language_info: { name: "python" } },
      cells: [cell("Add three numbers", task, "a"), cell("Set the values", interrupted, "b")],
    };
    writeFileSync(join(folder, "outputs.ipynb"), JSON.stringify(notebook));
    execFileSync(join(ROOT, ".venv", "bin", "jupyter-nbconvert"), ["--to", "html", "outputs.ipynb"], { cwd: folder, stdio: "pipe" });
    const html = readFileSync(join(folder, "outputs.html"), "utf8");
    const body = html.slice(html.indexOf("<body"));

    // The code: a Pygments block (nbconvert's CSS colours its spans), the comment a comment.
    expect(body).toMatch(/<div class="highlight"><pre><span><\/span><span class="c1"># Add them up<\/span>/);
    expect(body).toContain('<span class="nb">print</span>');
    // The validation folded, the record line as written.
    expect(body).toMatch(/<details><summary>Validation: score 1\.00 \(threshold 0\.80\), passed · no issues<\/summary>/);
    expect(body).toContain("<strong>Recorded code</strong> — reruns without a model; signed by you (ana@box), 2026-12-03 · 3 lines from fake-coder");
    // The interrupted stream: the note, and the code that came folded and highlighted.
    expect(body).toContain("<em>Interrupted while the model was writing; 3 lines of code had come.</em>");
    expect(body).toMatch(/<details><summary>The code as far as it came \(3 lines\)<\/summary>[\s\S]*<span class="n">value_1<\/span>/);
    // The model's markup is text.
    expect(body).not.toContain("<img src=x");
    expect(body).toContain("&lt;img src=x onerror=alert(1)&gt;");
  }, 60_000);
});
