// The parameter controls' rules (frontend/model/parameter-controls.ts): which control a value
// gets, the slider's range and step an analyst would pick, the literal a control writes, and the
// rewrite of the task text (only the parameter's value changes, or nothing is written).
import { describe, expect, it } from "vitest";
import { parseParameters, taskKey } from "../../../kernel/pipeline/records/parameters.js";
import {
  controlFor,
  numberLiteral,
  recordedTask,
  sliderRange,
  taskChanged,
  typedLiteral,
  withParameterValue,
  withStepFor,
} from "../../../frontend/model/parameter-controls.js";

const LOAN = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years";
const param = (text: string) => parseParameters(text).parameters[0]!;

describe("which control a parameter gets", () => {
  it("a number gets a slider (integer or not, by how it is written), True/False a checkbox, a string a text box, None and lists a literal box", () => {
    expect(controlFor(param("{years=30}"))).toMatchObject({ kind: "number", integer: true });
    expect(controlFor(param("{rate=0.05}"))).toMatchObject({ kind: "number", integer: false });
    expect(controlFor(param("{scale=2.0}"))).toMatchObject({ kind: "number", integer: false });
    expect(controlFor(param("{tol=1e-3}"))).toMatchObject({ kind: "number", integer: false });
    expect(controlFor(param("{n=250_000}"))).toMatchObject({ kind: "number", integer: true });
    expect(controlFor(param("{show=True}"))).toEqual({ kind: "boolean" });
    expect(controlFor(param("{city='Paris'}"))).toEqual({ kind: "text" });
    expect(controlFor(param("{limit=None}"))).toEqual({ kind: "literal" });
    expect(controlFor(param("{ids=[1, 2]}"))).toEqual({ kind: "literal" });
  });
});

describe("the slider's range and step", () => {
  it("a positive value slides from 0 to about twice it, with a hundred to a thousand steps", () => {
    expect(sliderRange(0.05, false)).toEqual({ min: 0, max: 0.1, step: 0.001 });
    expect(sliderRange(250000, true)).toEqual({ min: 0, max: 500000, step: 1000 });
    expect(sliderRange(30, true)).toEqual({ min: 0, max: 60, step: 1 });
    expect(sliderRange(7, true)).toEqual({ min: 0, max: 15, step: 1 });
    expect(sliderRange(7.5, false)).toEqual({ min: 0, max: 15, step: 0.1 });
    expect(sliderRange(1, true)).toEqual({ min: 0, max: 2, step: 1 });
    expect(sliderRange(0.001, false)).toEqual({ min: 0, max: 0.002, step: 0.00001 });
  });

  it("an integer's step is whole; a value with finer digits gets a finer step, within 10,000 positions", () => {
    for (const v of [1, 3, 12, 99, 1234, 98765]) {
      const r = sliderRange(v, true);
      expect(Number.isInteger(r.step), `${v}`).toBe(true);
      expect(v).toBeGreaterThanOrEqual(r.min);
      expect(v).toBeLessThanOrEqual(r.max);
    }
    expect(sliderRange(0.0525, false)).toEqual({ min: 0, max: 0.12, step: 0.0001 });
    // 2.71828 would need 600,000 positions at its own digits: the step stays at the range's.
    expect(sliderRange(2.71828, false)).toEqual({ min: 0, max: 6, step: 0.01 });
  });

  it("a negative value slides across zero, symmetrically", () => {
    expect(sliderRange(-5, true)).toEqual({ min: -10, max: 10, step: 1 });
    expect(sliderRange(-0.25, false)).toEqual({ min: -0.5, max: 0.5, step: 0.01 });
  });

  it("zero has no scale of its own: 0..10 for an integer, 0..1 otherwise", () => {
    expect(sliderRange(0, true)).toEqual({ min: 0, max: 10, step: 1 });
    expect(sliderRange(0, false)).toEqual({ min: 0, max: 1, step: 0.01 });
  });
});

describe("the literal a control writes", () => {
  it("a slider's value is rounded to its step, an integer stays an int and a float stays a float", () => {
    expect(numberLiteral(0.07100000000000001, { integer: false, step: 0.001 })).toBe("0.071");
    expect(numberLiteral(0.1 + 0.2, { integer: false })).toBe("0.3");
    expect(numberLiteral(42, { integer: true, step: 1 })).toBe("42");
    expect(numberLiteral(2, { integer: false, step: 0.1 })).toBe("2.0");
    expect(numberLiteral(-3, { integer: false, step: 0.1 })).toBe("-3.0");
    expect(numberLiteral(-0, { integer: false, step: 0.1 })).toBe("0.0");
    expect(numberLiteral(1e-7, { integer: false })).toBe("1e-7");
  });

  it("what is typed: a number box takes any number (a float stays one) or another literal; a text box quotes its text", () => {
    const rate = controlFor(param("{rate=0.05}"));
    const years = controlFor(param("{years=30}"));
    expect(typedLiteral(" 0.07 ", rate)).toBe("0.07");
    expect(typedLiteral("3", rate)).toBe("3.0");
    expect(typedLiteral("-1.5", rate)).toBe("-1.5");
    expect(typedLiteral("15", years)).toBe("15");
    expect(typedLiteral("2.5", years)).toBe("2.5");
    expect(typedLiteral("250_000", years)).toBe("250_000");
    expect(typedLiteral("None", rate)).toBe("None");
    expect(typedLiteral("seven", rate)).toBeUndefined();
    expect(typedLiteral("", rate)).toBeUndefined();
    expect(typedLiteral("1} and {x=2", rate)).toBeUndefined();
    const city = controlFor(param("{city='Paris'}"));
    expect(typedLiteral("New York", city)).toBe('"New York"');
    expect(typedLiteral('say "hi" {now}', city)).toBe('"say \\"hi\\" {now}"');
    expect(typedLiteral("42", city)).toBe('"42"');
    const ids = controlFor(param("{ids=[1, 2]}"));
    expect(typedLiteral("[1, 2, 3]", ids)).toBe("[1, 2, 3]");
    expect(typedLiteral("[1, 2", ids)).toBeUndefined();
    expect(typedLiteral("true", controlFor(param("{show=False}")))).toBe("True");
  });
});

describe("the rewrite of the task text", () => {
  it("changes only the parameter's value, everywhere it is written, and keeps the task the same task", () => {
    expect(withParameterValue(LOAN, "rate", "0.07")).toBe(LOAN.replace("{rate=0.05}", "{rate=0.07}"));
    const twice = "Use {rate=0.05} now and {rate = 0.05} later";
    expect(withParameterValue(twice, "rate", "0.1")).toBe("Use {rate=0.1} now and {rate=0.1} later");
    const out = withParameterValue("Greet {city='Paris'} warmly", "city", typedLiteral('say "hi" {now}', { kind: "text" })!);
    expect(out).toBe('Greet {city="say \\"hi\\" {now}"} warmly');
    expect(parseParameters(out!).parameters[0]!.value).toBe('say "hi" {now}');
    expect(taskKey(withParameterValue(LOAN, "years", "15")!)).toBe(taskKey(LOAN));
  });

  it("writes nothing that would read back differently or for a name the task lacks", () => {
    expect(withParameterValue(LOAN, "term", "5")).toBeUndefined();
    expect(withParameterValue(LOAN, "rate", "0.07} at {x=1")).toBeUndefined();
    expect(withParameterValue(LOAN, "rate", "seven")).toBeUndefined();
  });
});

describe("whether the controls may rerun", () => {
  const record = (task: string) => ({
    output_type: "display_data",
    data: { "application/vnd.luci.record+json": { task, parameters: { rate: 0.05 }, code: "" } },
  });

  it("reads the cell's last record", () => {
    expect(recordedTask([])).toBeUndefined();
    expect(recordedTask([{ output_type: "stream", name: "stdout", text: "x" }, record("old {rate=0.01}"), record(LOAN)])).toEqual({
      task: LOAN,
      parameters: { rate: 0.05 },
    });
  });

  it("a new value is the same task; a changed word is not", () => {
    expect(taskChanged(LOAN.replace("0.05", "0.09"), LOAN)).toBe(false);
    expect(taskChanged(`${LOAN}  \n`, LOAN)).toBe(false);
    expect(taskChanged(LOAN.replace("Monthly", "Weekly"), LOAN)).toBe(true);
    expect(taskChanged(LOAN.replace("{years=30}", "30"), LOAN)).toBe(true);
  });
});

describe("a typed value with finer digits", () => {
  it("makes the slider's step fine enough for it, within 10,000 positions; an integer's step stays whole", () => {
    const rate = sliderRange(0.05, false);
    expect(withStepFor(rate, 0.0615, false)).toEqual({ min: 0, max: 0.1, step: 0.0001 });
    expect(withStepFor(rate, 0.07, false)).toBe(rate);
    expect(withStepFor(rate, 0.0612345, false)).toBe(rate);
    const years = sliderRange(30, true);
    expect(withStepFor(years, 12.5, true)).toBe(years);
  });
});
