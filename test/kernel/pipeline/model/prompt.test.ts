import { describe, expect, it } from "vitest";
import { CONTEXT_LIMITS, systemPrompt, taskMessages, userMessage } from "../../../../kernel/pipeline/model/prompt.js";
import { pythonLiteral } from "../../../../kernel/pipeline/records/parameters.js";

describe("the task prompt", () => {
  it("states the answer format, the namespace rules and the ban on input()", () => {
    const text = systemPrompt("3.12.4");
    expect(text).toContain("```json");
    expect(text).toContain("```python");
    expect(text).toContain("Never put the code inside the JSON");
    expect(text).toContain("persistent Python 3.12.4 namespace");
    expect(text).toMatch(/never calls input\(\)/);
    expect(text).toContain("plt.show()");
    expect(text).toContain('"task_type"');
    expect(text).toContain("web_app");
    expect(text.length).toBeLessThan(3000);
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
    expect(user.startsWith("Task: now only for 2024")).toBe(true);
    expect(user).toContain("- rate = 0.05\n- label = \"a\"\n- on = True");
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
    expect(user).toContain(`${20 - CONTEXT_LIMITS.cells} older not shown`);
    expect(user).not.toContain("x13 = 13");
    expect(user).toContain("x14 = 14");
    expect(user).toContain("characters left out");
    expect(user).toContain(`… and ${100 - CONTEXT_LIMITS.names} more`);
    expect(user).toContain(`(${200 - CONTEXT_LIMITS.files} more)`);
    expect(user.length).toBeLessThan(20_000);
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
