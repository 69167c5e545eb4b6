// What a scenario gives: named numbers printed, a dict returned; and the harness cell run by a
// real Python (the worker's namespace is __main__'s, as in `python -c`), its report read back.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readReport, scenarioCell } from "../../../../kernel/pipeline/sweep/scenario-harness.js";
import { printedValues, scenarioResult } from "../../../../kernel/pipeline/sweep/scenario-results.js";
import { ROOT } from "../../../support/kernel-process.js";

const PYTHON = existsSync(join(ROOT, ".venv", "bin", "python")) ? join(ROOT, ".venv", "bin", "python") : "python3";

function runCell(prelude: string, code: string): string {
  return execFileSync(PYTHON, ["-c", `${prelude}\n${scenarioCell(code)}\nprint("after:", sorted(k for k in globals() if not k.startswith("__")))`], {
    encoding: "utf8",
  });
}

describe("printedValues", () => {
  it("reads name: value and name = value lines with numbers, units, currency and thousands", () => {
    const out = [
      "Monthly payment: $1,073.64",
      "total_interest = 186511.57",
      "rate (%): 5",
      "growth: -12.5 %",
      "Note: the payment is fixed",
      "years: 30 years",
      "ratio = 1e-3",
      "x = 1 + 2",
    ].join("\n");
    expect(printedValues(out)).toEqual({
      "Monthly payment": 1073.64,
      total_interest: 186511.57,
      "rate (%)": 5,
      growth: -12.5,
      years: 30,
      ratio: 0.001,
    });
  });

  it("keeps the last value of a name printed twice, and a bare number as output when nothing is named", () => {
    expect(printedValues("step: 1\nstep: 2\n")).toEqual({ step: 2 });
    expect(printedValues("computing...\n1342.05\n")).toEqual({ output: 1342.05 });
    expect(printedValues("hello\n")).toEqual({});
  });

  it("merges a returned dict over printed values, keeping text and bools", () => {
    expect(scenarioResult({ stdout: "payment: 1\n", returned: { payment: 2, label: "high", ok: true, none: null, nested: { a: 1 } } })).toEqual({
      values: { payment: 2, label: "high", ok: "True", none: "None" },
    });
    expect(scenarioResult({ stdout: "", error: "ZeroDivisionError: division by zero" })).toEqual({ values: {}, error: "ZeroDivisionError: division by zero" });
  });
});

describe("the scenario harness", () => {
  it("runs the code in a copy of the namespace, captures its printing and reports its dict", () => {
    const out = runCell("base = 10\nrate = 0.01", "rate = 0.05\nr = rate * base\nprint('r:', r)\n{'twice': r * 2, 'n': __import__('math').nan}");
    const report = readReport(out)!;
    expect(report).toEqual({ stdout: "r: 0.5\n", returned: { twice: 1, n: "nan" } });
    // Nothing the scenario assigned reached the namespace; the report is the only line printed before ours.
    expect(out.split("\n").filter(Boolean).at(-1)).toBe("after: ['base', 'rate']");
    expect(out).not.toMatch(/^r: 0.5$/m);
  });

  it("reports an exception as the scenario's error, with what it printed first", () => {
    const report = readReport(runCell("", "print('a: 1')\n1 / 0"))!;
    expect(report).toEqual({ stdout: "a: 1\n", error: "ZeroDivisionError: division by zero" });
  });

  it("reports a number left as the last expression as result, and a Series by its index", () => {
    expect(readReport(runCell("", "x = 2\nx * 21"))).toEqual({ stdout: "", returned: { result: 42 } });
    expect(readReport(runCell("", "True"))).toEqual({ stdout: "" });
    const series = "class Series:\n    def to_dict(self):\n        return {'mean': 1.5, 'max': 3}";
    expect(readReport(runCell(series, "Series()"))).toEqual({ stdout: "", returned: { mean: 1.5, max: 3 } });
  });

  it("finds no report in output without one", () => {
    expect(readReport("just text\n")).toBeUndefined();
  });
});
