// `{name=value}` parameters in a task, the task key that ignores their values, and the way back
// to Python (assignments, papermill's injected parameters cell).
import { describe, expect, it } from "vitest";
import {
  literalAssignments,
  parameterAssignments,
  parameterValues,
  parseParameters,
  parsePythonLiteral,
  pythonLiteral,
  taskKey,
  withoutRestatedParameters,
} from "../../../../kernel/pipeline/records/parameters.js";

const LOAN = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";

describe("parseParameters", () => {
  it("reads the story's loan task: names, values, raw text and positions", () => {
    const { parameters, problems } = parseParameters(LOAN);
    expect(problems).toEqual([]);
    expect(parameters.map(({ name, value, raw }) => ({ name, value, raw }))).toEqual([
      { name: "principal", value: 250000, raw: "250000" },
      { name: "rate", value: 0.05, raw: "0.05" },
      { name: "years", value: 30, raw: "30" },
    ]);
    for (const p of parameters) expect(LOAN.slice(p.start, p.end)).toBe(`{${p.name}=${p.raw}}`);
    expect(parameterValues(parseParameters(LOAN))).toEqual({ principal: 250000, rate: 0.05, years: 30 });
  });

  it("accepts Python literals: numbers in every form, both quotes with escapes, True/False/None, lists", () => {
    const task = `{a=-1.5e-3} {b=250_000} {c=.5} {d="it's \\"quoted\\"\\n"} {e='say "hi"'} {f=True} {g=False} {h=None} {i=[1, 2.5, 'x', [True]]} {j = 7 } {k=[]} {l="{not=a param}"}`;
    const { parameters, problems } = parseParameters(task);
    expect(problems).toEqual([]);
    expect(parameterValues(parameters)).toEqual({
      a: -0.0015,
      b: 250000,
      c: 0.5,
      d: 'it\'s "quoted"\n',
      e: 'say "hi"',
      f: true,
      g: false,
      h: null,
      i: [1, 2.5, "x", [true]],
      j: 7,
      k: [],
      l: "{not=a param}",
    });
    expect(parameters.find((p) => p.name === "j")!.raw).toBe("7");
  });

  it("reports bad names and bad values instead of guessing", () => {
    const { parameters, problems } = parseParameters(
      "{2x=5} {class=1} {max=3} {my-rate=1} {rate=abc} {n=007} {s='open} {d={'a': 1}} {empty=} {big=99999999999999999999} {x=1, y=2}",
    );
    expect(parameters).toEqual([]);
    const byText = Object.fromEntries(problems.map((p) => [p.text, p.message]));
    expect(byText["{2x=5}"]).toMatch(/not a valid parameter name/);
    expect(byText["{class=1}"]).toMatch(/keyword/);
    expect(byText["{max=3}"]).toMatch(/hide Python's built-in max/);
    expect(byText["{my-rate=1}"]).toMatch(/not a valid parameter name/);
    expect(byText["{rate=abc}"]).toMatch(/"abc" is a name, not a value \(quote it/);
    expect(byText["{n=007}"]).toMatch(/leading zeros/);
    expect(byText["{s='open}"]).toMatch(/not closed/);
    expect(byText["{d={'a': 1}}"]).toMatch(/dictionaries are not supported/);
    expect(byText["{empty=}"]).toMatch(/no value/);
    expect(byText["{big=99999999999999999999}"]).toMatch(/too large/);
    expect(byText["{x=1, y=2}"]).toMatch(/unexpected ", y=2"/);
    expect(problems).toHaveLength(11);
  });

  it("reports one name given two different values, and allows the same value twice", () => {
    expect(parseParameters("{n=1} then {n=1} again").problems).toEqual([]);
    expect(parseParameters("{n=1} then {n=2}").problems[0]!.message).toMatch(/given twice/);
  });

  it("leaves other braces alone: dicts, sets, comparisons, format fields, {{escapes}}, code spans", () => {
    const task = [
      "Build the mapping {'a': 1, 'b': {'c': 2}} and the set {x, y}",
      "keep rows where {score == 1} or {n<=3} or {total+=1}",
      "format it as f'{value:.2f}' and {name}",
      "write {{rate=0.05}} literally",
      "in `df.query('{a=1}')` and",
      "```python\nconfig = dict(a={b=1})\n```",
      "then use {rate=0.07}",
    ].join("\n");
    const { parameters, problems } = parseParameters(task);
    expect(problems).toEqual([]);
    expect(parameters.map((p) => [p.name, p.value])).toEqual([["rate", 0.07]]);
  });

  it("reads a parameter whose value holds braces and brackets inside quotes", () => {
    const { parameters } = parseParameters(`Title {title="Sales {2024}] (draft"} done`);
    expect(parameters[0]!.value).toBe("Sales {2024}] (draft");
  });
});

describe("taskKey", () => {
  it("is the same when only parameter values change", () => {
    expect(taskKey(LOAN)).toBe(taskKey(LOAN.replace("{rate=0.05}", "{rate=0.07}")));
    expect(taskKey(LOAN)).toBe(taskKey(LOAN.replace("{rate=0.05}", "{ rate = 0.07 }").replace("30}", "15}")));
    expect(taskKey("plot {title='Sales'}")).toBe(taskKey('plot {title="Revenue"}'));
    expect(taskKey(LOAN)).toBe(taskKey(`${LOAN.replace(/ /g, " ")}  \r\n`));
  });

  it("differs when a word, a parameter name or the set of parameters changes", () => {
    expect(taskKey(LOAN)).not.toBe(taskKey(LOAN.replace("Monthly", "Yearly")));
    expect(taskKey(LOAN)).not.toBe(taskKey(LOAN.replace("{rate=", "{interest=")));
    expect(taskKey(LOAN)).not.toBe(taskKey(LOAN.replace(" for {years=30} years", "")));
    expect(taskKey("use {'a': 1}")).not.toBe(taskKey("use {'a': 2}")); // not parameters: plain text
    expect(taskKey("x {n=abc}")).not.toBe(taskKey("x {n=abd}")); // invalid groups stay literal
  });
});

describe("back to Python", () => {
  it("writes assignments, keeping each literal as written", () => {
    const { parameters } = parseParameters("{rate=1.0} {name='Ann'} {xs=[1, 2]} {rate=1.0}");
    expect(parameterAssignments(parameters)).toBe("rate = 1.0\nname = 'Ann'\nxs = [1, 2]\n");
    expect(parameterAssignments({ rate: 0.07, name: 'O"Neil\n', ok: true, none: null, xs: [1, "a"] })).toBe(
      'rate = 0.07\nname = "O\\"Neil\\n"\nok = True\nnone = None\nxs = [1, "a"]\n',
    );
    expect(() => parameterAssignments({ "bad name": 1 })).toThrow(/not a valid parameter name/);
  });

  it("round-trips values through pythonLiteral and parsePythonLiteral", () => {
    for (const value of [0.05, 250000, -3, "tab\there \u00e9 \u{1F600}", true, null, [1, ["x"]], { a: [1] }]) {
      expect(parsePythonLiteral(pythonLiteral(value), { dicts: true })).toEqual({ ok: true, value });
    }
  });

  it("reads papermill's injected parameters cell, and nothing else", () => {
    expect(literalAssignments("# Parameters\nrate = 0.07\nname = \"Q1 # not a comment\"  # a comment\ncfg = {'a': [1, None]}\n")).toEqual({
      rate: 0.07,
      name: "Q1 # not a comment",
      cfg: { a: [1, null] },
    });
    expect(literalAssignments("rate = 0.07\nprint(rate)")).toBeUndefined();
    expect(literalAssignments("x = y")).toBeUndefined();
    expect(literalAssignments("x == 1")).toBeUndefined();
    expect(literalAssignments("# only a comment")).toBeUndefined();
  });

  it("removes a parameter the model restated with the same value, and nothing else", () => {
    // What Qwen2.5-Coder-1.5B wrote for the loan task with its parameters listed as already set.
    const code =
      "import math\n\n# Given parameters\nprincipal = 250000\nrate: float = 0.05  # annual\nyears = 30.0\nmonths = years * 12\n    rate = 0.05\nname = 'x'\n";
    const { code: out, removed } = withoutRestatedParameters(code, { principal: 250000, rate: 0.05, years: 30, name: "y" });
    expect(removed).toEqual(["principal = 250000", "rate: float = 0.05  # annual", "years = 30.0"]);
    // Indented lines, other names and other values stay.
    expect(out).toBe("import math\n\n# Given parameters\nmonths = years * 12\n    rate = 0.05\nname = 'x'\n");
    expect(withoutRestatedParameters("rate = 5\nrate == 0.05\n", { rate: 0.05 })).toEqual({ code: "rate = 5\nrate == 0.05\n", removed: [] });
  });
});
