import { describe, expect, it } from "vitest";
import { CONTEXT_LIMITS, promptStyle, systemPrompt, taskMessages, userMessage } from "../../../../kernel/pipeline/model/prompt.js";
import { pythonLiteral } from "../../../../kernel/pipeline/records/parameters.js";

describe("the task prompt", () => {
  it("asks for the code alone, its steps as comments, states the notebook's rules, and stays short", () => {
    const text = systemPrompt("3.12.4");
    expect(text).toContain("the complete Python code in a single ```python block, and nothing else");
    expect(text).toContain("Begin each step of the code with a short comment");
    expect(text).not.toContain("```json");
    // The format is said in a sentence: no line of the prompt starts a numbered list of answer
    // parts, which Qwen2.5-Coder copied as `1. ```json`.
    expect(text.split("\n").filter((l) => /^\s*\d+[.)]\s/.test(l))).toEqual([]);
    expect(text).toContain("persistent Python 3.12.4 namespace");
    expect(text).toContain("instead of loading it again, but when the task names a file or gives its own values, use those");
    expect(text).toContain("already set as variables: use them and do not assign them");
    expect(text).toContain("missing packages are installed automatically");
    expect(text).toMatch(/print\(\) or display\(\)/);
    expect(text).toContain("plt.show()");
    expect(text).toContain("Never call input()");
    expect(text).toContain("relative paths");
    // About 1.7 s per 100 tokens on a cold cache for a small local model: keep it near 200 tokens.
    expect(text.length).toBeLessThan(1000);
  });

  it("is the same for every task, so a server's prompt cache keeps it", () => {
    const a = taskMessages("add 2 and 2", { pythonVersion: "3.12.4", cells: [{ code: "x = 1" }] });
    const b = taskMessages("plot the sales", { pythonVersion: "3.12.4", namespace: [{ name: "df", type: "DataFrame" }] });
    expect(a[0]!.content).toBe(b[0]!.content);
    expect(a[0]!.content).not.toContain("add 2 and 2");
  });

  it("LUCI_TASK_PROMPT=plain asks for a plan in words then the code, without a numbered format", () => {
    expect(promptStyle({ LUCI_TASK_PROMPT: "plain" })).toBe("plain");
    const text = taskMessages("t", {}, "plain")[0]!.content;
    expect(text).toContain("a short plan as a numbered list of at most 4 steps, each one short line");
    expect(text).toContain("the complete Python code in a single ```python block");
    expect(text.split("\n").filter((l) => /^\s*\d+[.)]\s/.test(l))).toEqual([]);
  });

  it("LUCI_TASK_PROMPT=json asks for the analysis and plan as JSON before the code, without a numbered format", () => {
    expect(promptStyle({})).toBe("code");
    expect(promptStyle({ LUCI_TASK_PROMPT: "json" })).toBe("json");
    expect(() => promptStyle({ LUCI_TASK_PROMPT: "yaml" })).toThrow(/LUCI_TASK_PROMPT must be "code" \(the default\), "plain" or "json", not "yaml"/);
    const text = taskMessages("t", {}, "json")[0]!.content;
    expect(text).toContain("one JSON object in a ```json block");
    expect(text).toContain('"task_type":"visualisation"');
    expect(text).toContain("web_app");
    expect(text.split("\n").filter((l) => /^\s*\d+[.)]\s/.test(l))).toEqual([]);
    expect(text.length).toBeLessThan(1600);
  });

  it("puts the task, parameters and context in the user message", () => {
    const messages = taskMessages("now only for 2024", {
      cells: [{ task: "load sales.csv and plot revenue by month", code: "import pandas as pd\ndf = pd.read_csv('sales.csv')" }],
      namespace: [
        { name: "df", type: "DataFrame", shape: [120, 3], columns: ["date", "revenue", "region"] },
        { name: "months", type: "list", length: 12 },
        { name: "rate", type: "float", preview: "0.05" },
      ],
      files: ["sales.csv", "notes.md"],
      packages: ["pandas==2.2.3", "matplotlib==3.9.2"],
      parameters: { rate: 0.05, label: "a", on: true },
    });
    expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
    const user = messages[1]!.content;
    // What grows from task to task first, the task itself last.
    expect(user.endsWith("Task: now only for 2024")).toBe(true);
    expect(user.indexOf("## Installed packages")).toBeLessThan(user.indexOf("## Earlier cells"));
    expect(user.indexOf("## Earlier cells")).toBeLessThan(user.indexOf("## Variables in the namespace"));
    expect(user.indexOf("Parameters (already set")).toBeGreaterThan(user.indexOf("## Variables in the namespace"));
    expect(user).toContain('- rate = 0.05\n- label = "a"\n- on = True');
    expect(user).toContain("Task: load sales.csv and plot revenue by month");
    expect(user).toContain("df = pd.read_csv('sales.csv')");
    expect(user).toContain("- df: DataFrame, shape 120×3; columns: date, revenue, region");
    expect(user).toContain("- months: list, length 12");
    expect(user).toContain("sales.csv, notes.md");
    expect(user).toContain("pandas==2.2.3");
  });

  it("stays compact: caps cells, names, columns, files and packages, and clips long code", () => {
    const user = userMessage("t", {
      cells: Array.from({ length: 20 }, (_, i) => ({ code: `x${i} = ${i}\n` + "y = 1\n".repeat(i === 19 ? 1000 : 1) })),
      namespace: Array.from({ length: 100 }, (_, i) => ({ name: `v${i}`, type: "int" })),
      files: Array.from({ length: 200 }, (_, i) => `f${i}.txt`),
      packages: Array.from({ length: 300 }, (_, i) => `p${i}`),
    });
    // The window of earlier cells moves three cells at a time: of 20, the last 8 (cells 13 to 20).
    expect(user).toContain("12 older not shown");
    expect(user).not.toContain("### Cell 12\n");
    expect(user).toContain("### Cell 13\n");
    expect(user).not.toContain("x11 = 11");
    expect(user).toContain("x12 = 12");
    expect(user).toContain("characters left out");
    expect(user).toContain(`… and ${100 - CONTEXT_LIMITS.names} more`);
    expect(user).toContain(`(${200 - CONTEXT_LIMITS.files} more)`);
    expect(user.length).toBeLessThan(20_000);
  });

  it("tells a task that asks for a web page how apps run (HOST and PORT, its own data), and only such a task", () => {
    const web = userMessage("Show the sales as a dashboard in the browser", {});
    expect(web).toContain("os.environ['HOST']");
    expect(web).toContain("int(os.environ['PORT'])");
    expect(web).toContain("http.server or Flask");
    expect(web).toContain("it does not see the notebook's variables");
    expect(userMessage("Plot the sales by month", {})).not.toContain("os.environ['PORT']");
    // The system prompt stays the same for every task (a server's prompt cache keeps it).
    expect(taskMessages("Show a dashboard", {})[0]!.content).toBe(taskMessages("add 2 and 2", {})[0]!.content);
  });

  it("leaves the context out when there is none", () => {
    expect(userMessage("  add 2 and 2 ")).toBe("Task: add 2 and 2");
  });

  it("writes parameter values as Python literals", () => {
    expect(pythonLiteral(null)).toBe("None");
    expect(pythonLiteral([1, "a", false])).toBe('[1, "a", False]');
    expect(pythonLiteral({ k: 2 })).toBe('{"k": 2}');
  });
});
