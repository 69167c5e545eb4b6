// The `%luci sweep` arguments: ranges (end included, no float noise), lists, strings, and the
// errors a user gets for names that are not the task's, bad ranges and too many scenarios.
import { describe, expect, it } from "vitest";
import { parseSweep, scenarios, type SweepSpec } from "../../../../kernel/pipeline/sweep/sweep-spec.js";

const LOAN = ["principal", "rate", "years"];

function ok(spec: SweepSpec) {
  if (!spec.ok) throw new Error(spec.message);
  return spec;
}
function message(spec: SweepSpec): string {
  if (spec.ok) throw new Error("expected an error");
  return spec.message;
}

describe("parseSweep", () => {
  it("reads a range with its end included and no float noise", () => {
    const spec = ok(parseSweep("rate=0.03:0.08:0.01", LOAN, 200));
    expect(spec.axes[0]!.values.map((v) => v.value)).toEqual([0.03, 0.04, 0.05, 0.06, 0.07, 0.08]);
    expect(spec.axes[0]!.values.map((v) => v.literal)).toEqual(["0.03", "0.04", "0.05", "0.06", "0.07", "0.08"]);
  });

  it("keeps the end out when the steps do not reach it, and counts down with a negative step", () => {
    expect(ok(parseSweep("years=10:25:10", LOAN, 200)).axes[0]!.values.map((v) => v.value)).toEqual([10, 20]);
    expect(ok(parseSweep("years=30:10:-10", LOAN, 200)).axes[0]!.values.map((v) => v.literal)).toEqual(["30", "20", "10"]);
    expect(ok(parseSweep("years=1:3", LOAN, 200)).axes[0]!.values.map((v) => v.value)).toEqual([1, 2, 3]);
  });

  it("writes float ranges as floats and integer ranges as integers", () => {
    expect(ok(parseSweep("rate=1.0:3.0:1", LOAN, 200)).axes[0]!.values.map((v) => v.literal)).toEqual(["1.0", "2.0", "3.0"]);
    expect(ok(parseSweep("rate=0.1:0.3:0.1", LOAN, 200)).axes[0]!.values.map((v) => v.literal)).toEqual(["0.1", "0.2", "0.3"]);
  });

  it("reads lists of literals and bare words, quoted strings with commas and spaces", () => {
    const spec = ok(parseSweep(`years=15,30 principal="New York, NY",Paris,'a b',True`, LOAN, 200));
    expect(spec.axes.map((a) => a.values.map((v) => v.value))).toEqual([
      [15, 30],
      ["New York, NY", "Paris", "a b", true],
    ]);
    expect(spec.axes[1]!.values[1]!.literal).toBe('"Paris"');
    expect(ok(parseSweep("principal=[1, 2],[3]", LOAN, 200)).axes[0]!.values.map((v) => v.value)).toEqual([[1, 2], [3]]);
  });

  it("reads spaces around = and after commas as meant", () => {
    const spec = ok(parseSweep("rate = 0.03:0.05:0.01  years=15, 30 principal =1,2", LOAN, 200));
    expect(spec.axes.map((a) => [a.name, a.values.map((v) => v.value)])).toEqual([
      ["rate", [0.03, 0.04, 0.05]],
      ["years", [15, 30]],
      ["principal", [1, 2]],
    ]);
    expect(message(parseSweep("rate years=1", LOAN, 200))).toMatch(/"rate" is not name=values/);
  });

  it("makes every combination, the first parameter changing slowest", () => {
    const spec = ok(parseSweep("rate=0.03:0.08:0.01 years=15,30", LOAN, 200));
    expect(spec.count).toBe(12);
    const all = scenarios(spec.axes).map((s) => s.map((p) => `${p.name}=${p.value.literal}`).join(" "));
    expect(all).toHaveLength(12);
    expect(all.slice(0, 3)).toEqual(["rate=0.03 years=15", "rate=0.03 years=30", "rate=0.04 years=15"]);
    expect(all.at(-1)).toBe("rate=0.08 years=30");
  });

  it("names the task's parameters when a name is not one of them", () => {
    expect(message(parseSweep("interest=0.1,0.2", LOAN, 200))).toBe(
      `"interest" is not a parameter of the task; this task's parameters: principal, rate, years`,
    );
    expect(message(parseSweep("rate=1", [], 200))).toMatch(/none \(write \{name=value\} in the task/);
    expect(message(parseSweep("", LOAN, 200))).toMatch(/needs the values to try.*principal, rate, years/);
    expect(message(parseSweep("rate", LOAN, 200))).toMatch(/"rate" is not name=values/);
  });

  it("refuses bad ranges and lists in words", () => {
    expect(message(parseSweep("rate=0.1:0.2:0", LOAN, 200))).toMatch(/the step cannot be 0/);
    expect(message(parseSweep("years=30:10:5", LOAN, 200))).toMatch(/never goes from 30 to 10 \(use a negative step\)/);
    expect(message(parseSweep("years=1,,2", LOAN, 200))).toMatch(/a value is missing between commas/);
    expect(message(parseSweep("years=1,1", LOAN, 200))).toMatch(/1 is given twice/);
    expect(message(parseSweep("years=1 years=2", LOAN, 200))).toMatch(/"years" is given twice/);
    expect(message(parseSweep('principal="open', LOAN, 200))).toMatch(/not closed/);
    expect(message(parseSweep("principal=a+b", LOAN, 200))).toMatch(/"a\+b" is not a value Luci can use/);
  });

  it("refuses more scenarios than the limit before making any value", () => {
    expect(message(parseSweep("rate=0:1000000000:1 years=1,2", LOAN, 200))).toBe(
      "1000000001 rate × 2 years make 2000000002 scenarios, more than LUCI_SWEEP_MAX_SCENARIOS (200): sweep fewer values, or raise that setting",
    );
    expect(ok(parseSweep("years=1:200", LOAN, 200)).count).toBe(200);
    expect(message(parseSweep("years=1:201", LOAN, 200))).toMatch(/201 scenarios, more than LUCI_SWEEP_MAX_SCENARIOS \(200\)/);
  });
});
