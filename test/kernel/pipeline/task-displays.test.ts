import { describe, expect, it } from "vitest";
import type { OutputSink } from "../../../kernel/common/output-sink.js";
import { fence, showCode, showPlan, showValidation, STREAM_MIME, StreamingDisplay } from "../../../kernel/pipeline/task-displays.js";
import type { ValidationReport } from "../../../kernel/pipeline/gate.js";
import { newRecord, recordDisplay, type LuciRecord } from "../../../kernel/pipeline/records/record.js";

function recordingSink() {
  const shown: Record<string, unknown>[] = [];
  const sink: OutputSink = {
    stream() {},
    display: (data) => void shown.push(data),
    updateDisplay: (data) => void shown.push(data),
    clearOutput() {},
    result() {},
    error() {},
    input: async () => "",
  };
  return { sink, shown };
}

describe("task displays", () => {
  it("fences code with more backticks than it contains, so it cannot close its own block", () => {
    expect(fence("x = 1", "python")).toBe("```python\nx = 1\n```");
    expect(fence('doc = """\n```\n"""', "python")).toBe('````python\ndoc = """\n```\n"""\n````');
  });

  it("shows code holding a fence and markdown as code, in a python block longer than any fence in it", () => {
    const { sink, shown } = recordingSink();
    showCode(sink, 'doc = """\n```\n**not bold** <b>x</b>\n```\n"""\nf(*args, **kwargs)', { model: "m <i>", calls: 1 });
    const data = shown[0]!;
    expect(data["text/markdown"]).toMatch(/^\*\*Code\*\* · from m &lt;i&gt; · 6 lines\n\n````python\n/);
    expect(data["text/markdown"]).toMatch(/\n````$/);
    // No HTML fallback: frontends render the markdown and highlight the python block themselves.
    expect(data["text/html"]).toBeUndefined();
  });

  it("escapes markup and links in the plan's model text in markdown, and keeps it as written in plain text", () => {
    const { sink, shown } = recordingSink();
    const plan = {
      analysis: {
        task_type: "analysis" as const,
        needs_web_interface: false,
        needs_simulation: false,
        data_sources: ["<img src=x>"],
        complexity: "low" as const,
      },
      plan: { steps: [{ step: 1, action: "<script>alert(1)</script>", inputs: [], outputs: [] }] },
    };
    showPlan(
      sink,
      { ...plan, plan: { steps: [...plan.plan.steps, { step: 2, action: "[x](javascript:alert(1)) ![i](http://x/i.png)", inputs: [], outputs: [] }] } },
      [],
    );
    const data = shown[0]!;
    expect(data["text/markdown"]).not.toMatch(/<script|<img/);
    // No link or image: the brackets are escaped.
    expect(data["text/markdown"]).toContain("\\[x\\](javascript:alert(1))");
    expect(data["text/markdown"]).not.toMatch(/[^\\]\[x\]/);
    expect(data["text/plain"]).toContain("1. <script>alert(1)</script>");
  });

  it("folds a passed validation (its summary line says it all) and shows a failed or undecided one open", () => {
    const { sink, shown } = recordingSink();
    const report = (passed: boolean, issues: ValidationReport["issues"] = []): ValidationReport => ({
      status: "ok",
      score: passed ? 1 : 0.4,
      passed,
      threshold: 0.8,
      issues,
      summary: "",
    });
    showValidation(sink, { verdict: "passed", report: report(true) });
    showValidation(sink, { verdict: "passed", report: report(true, [{ rule: "r", severity: "note", line: 2, message: "uses <print>", hint: "" }]) });
    showValidation(sink, { verdict: "failed", report: report(false, [{ rule: "r", severity: "high", line: 1, message: "runs a shell", hint: "" }]) });
    showValidation(sink, { verdict: "undecided", reason: "the validator did not answer" });
    const md = shown.map((d) => String(d["text/markdown"]));
    expect(md[0]).toBe("<details><summary>Validation: score 1.00 (threshold 0.80), passed · no issues</summary>\n\nNo issues found.\n\n</details>");
    expect(md[1]).toMatch(/^<details><summary>Validation: score 1\.00 \(threshold 0\.80\), passed · 1 note<\/summary>\n\n- note, line 2: uses &lt;print&gt;/);
    expect(md[2]).toBe("**Validation: score 0.40 (threshold 0.80), not passed: the code is shown and not run**\n\n- high, line 1: runs a shell");
    expect(md[3]).toMatch(/^\*\*Validation: could not be validated/);
    expect(md.slice(2).join("\n")).not.toContain("<details");
    expect(shown.every((d) => d["text/html"] === undefined)).toBe(true);
  });

  it("says what a record is and who signed it, in text and markdown", () => {
    const record = {
      ...newRecord({
        task: "t {rate=0.05}",
        parameters: { rate: 0.05 },
        code: "x = 1\nprint(x)\n",
        model: "m*",
        validation: { passed: true },
        created: "2026-12-03T10:00:00Z",
        author: "ana@box",
      }),
      signature: "0".repeat(64),
    } as LuciRecord;
    expect(recordDisplay(record, "mine").data["text/plain"]).toBe(
      "Recorded code — reruns without a model; signed by you (ana@box), 2026-12-03 · 2 lines from m*, made with rate=0.05",
    );
    expect(recordDisplay(record, "mine").data["text/markdown"]).toBe(
      "**Recorded code** — reruns without a model; signed by you (ana@box), 2026-12-03 · 2 lines from m\\*, made with rate=0.05",
    );
    expect(recordDisplay(record, "trusted").data["text/plain"]).toContain("made by ana@box, 2026-12-03, in a notebook you trust");
    expect(recordDisplay(record, "untrusted").data["text/plain"]).toContain("shown and not run until you trust the notebook");
  });

  it("streams the plan as a list and the code as a python block, and an interrupt leaves a note with the code folded", () => {
    const { sink, shown } = recordingSink();
    const stream = new StreamingDisplay(sink, "Asking m…", 0);
    stream.add("```python\n# Load the numbers\nnumbers = [1, 2]\n");
    expect(shown.at(-1)!["text/markdown"]).toBe("*Asking m…*\n\n1. Load the numbers\n\n```python\n# Load the numbers\nnumbers = [1, 2]\n```");
    expect(shown.at(-1)![STREAM_MIME]).toMatchObject({
      state: "streaming",
      steps: ["Load the numbers"],
      code: "# Load the numbers\nnumbers = [1, 2]",
      code_lines: 2,
    });
    stream.add("# Sum them\ntotal = sum(num");
    stream.stop(true);
    stream.add("bers)\n"); // after the stop: nothing more is shown
    const last = shown.at(-1)!;
    expect(last["text/markdown"]).toBe(
      "*Interrupted while the model was writing; 4 lines of code had come.*\n\n<details><summary>The code as far as it came (4 lines)</summary>\n\n" +
        "1. Load the numbers\n2. Sum them\n\n```python\n# Load the numbers\nnumbers = [1, 2]\n# Sum them\ntotal = sum(num\n```\n\n</details>",
    );
    expect(last[STREAM_MIME]).toMatchObject({ state: "interrupted", code_lines: 4 });
    expect(String(last["text/plain"])).toMatch(/^Interrupted while the model was writing; 4 lines of code had come\./);
    expect(JSON.stringify(shown)).not.toContain("bers)");
  });

  it("shows reasoning in a <think> that has not closed as 'Thinking… N s', never its words, then the answer and how long it thought", async () => {
    // Redraws after the first come on a timer (interval 0 here): the test lets each one run.
    const redrawn = () => new Promise((resolve) => setTimeout(resolve, 5));
    const { sink, shown } = recordingSink();
    let clock = 5_000;
    const stream = new StreamingDisplay(sink, "Asking m…", 0, () => clock);
    stream.add("<think>\nThe user wants SECRET-THOUGHT");
    clock += 3_000;
    stream.add(" more thought");
    await redrawn();
    stream.add("\n</think>\n\n```python\n# Print it\nprint(1)\n");
    await redrawn();
    const plain = shown.map((d) => String(d["text/plain"]));
    expect(plain).toEqual(["Asking m…\nThinking… 0 s", "Asking m…\nThinking… 3 s", "Asking m…\n(thought for 3 s)\n1. Print it\n\n# Print it\nprint(1)"]);
    expect(JSON.stringify(shown)).not.toContain("SECRET-THOUGHT");
  });
});
