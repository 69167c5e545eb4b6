import { describe, expect, it } from "vitest";
import type { OutputSink } from "../../../kernel/common/output-sink.js";
import { safeHtmlRenderer } from "../../../kernel/pipeline/safe-html.js";
import { fence, showCode, showPlan } from "../../../kernel/pipeline/task-displays.js";

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

  it("shows code holding a fence and markdown as code, in markdown and in HTML", async () => {
    const { sink, shown } = recordingSink();
    showCode(sink, 'doc = """\n```\n**not bold** <b>x</b>\n```\n"""\nf(*args, **kwargs)', { model: "m", calls: 1 }, await safeHtmlRenderer());
    const data = shown[0]!;
    expect(data["text/markdown"]).toMatch(/^\*\*Code\*\* · from m\n\n````python\n/);
    expect(data["text/html"]).not.toMatch(/<strong>|<em>|<b>/);
    expect(data["text/html"]).toContain("**not bold** &lt;b&gt;");
  });

  it("escapes markup in the plan's model text, in markdown too", async () => {
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
    showPlan(sink, plan, [], await safeHtmlRenderer());
    const data = shown[0]!;
    expect(data["text/markdown"]).not.toMatch(/<script|<img/);
    expect(data["text/html"]).not.toMatch(/<script|<img/);
  });
});
