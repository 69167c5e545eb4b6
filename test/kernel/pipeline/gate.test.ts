// The gate's verdict, in-process: only a report of the documented shape that passed, and says so
// consistently, is a pass; everything else the validator can answer (or fail to) is a refusal.
import { describe, expect, it } from "vitest";
import { setting } from "../../../kernel/common/settings.js";
import { judge, readVerdict } from "../../../kernel/pipeline/gate.js";

const PASSED = { status: "ok", score: 1, passed: true, threshold: 0.8, issues: [], summary: "No issues." };
const FAILED = {
  status: "ok",
  score: 0.7,
  passed: false,
  threshold: 0.8,
  issues: [{ rule: "shell", severity: "high", line: 2, message: "The code runs a shell command.", hint: "Use subprocess.run." }],
  summary: "1 high",
};

describe("readVerdict", () => {
  it("passes a report that passed, fails one that did not", () => {
    expect(readVerdict(PASSED, 0.8)).toEqual({ verdict: "passed", report: PASSED });
    expect(readVerdict(FAILED, 0.8)).toEqual({ verdict: "failed", report: FAILED });
  });

  const undecided: [string, unknown, RegExp][] = [
    ["no answer in time (the kernel's deadline)", { status: "unknown", evalue: "no answer within 15 s" }, /did not answer \(no answer within 15 s\)/],
    ["an interrupted question (the worker's own empty answer)", { status: "unknown" }, /did not answer in time/],
    [
      "a validator that raised",
      { status: "error", ename: "RecursionError", evalue: "too deep", traceback: [] },
      /the validator failed \(RecursionError: too deep\)/,
    ],
    ["a report without passed", { ...PASSED, passed: undefined }, /could not be read \(passed: /],
    ["passed as a string", { ...PASSED, passed: "true" }, /could not be read \(passed: /],
    ["a score that is not a number", { ...PASSED, score: "1" }, /could not be read \(score: /],
    ["a score above 1", { ...PASSED, score: 2 }, /could not be read \(score: /],
    ["an issue of an unknown severity", { ...FAILED, issues: [{ ...FAILED.issues[0], severity: "fatal" }] }, /could not be read \(issues\[0\]\.severity: /],
    ["null", null, /could not be read/],
    ["a string", "ok", /could not be read/],
    ["passed below the threshold", { ...PASSED, score: 0.5 }, /contradicts itself/],
    ["not passed above the threshold", { ...FAILED, score: 0.9 }, /contradicts itself/],
    ["another threshold than the one asked for", { ...PASSED, threshold: 0.5 }, /judged against the threshold 0.5, not 0.8/],
  ];
  for (const [what, reply, reason] of undecided) {
    it(`refuses ${what}`, () => {
      const verdict = readVerdict(reply, 0.8);
      expect(verdict.verdict).toBe("undecided");
      expect(verdict.verdict === "undecided" && verdict.reason).toMatch(reason);
    });
  }
});

describe("judge", () => {
  it("a question that throws (no worker) is undecided, not an exception", async () => {
    const verdict = await judge(() => Promise.reject(new Error("the Python worker exited")), 0.8);
    expect(verdict).toEqual({ verdict: "undecided", reason: "the validator could not be asked (the Python worker exited)" });
  });

  it("reads the answer it gets", async () => {
    expect((await judge(() => Promise.resolve(PASSED), 0.8)).verdict).toBe("passed");
  });
});

describe("the threshold the gate is asked to judge against (LUCI_VALIDATION_THRESHOLD)", () => {
  it("clamps to 0..1 as the worker does; not a number is the default", () => {
    const threshold = (value: string) => setting({ LUCI_VALIDATION_THRESHOLD: value }, "LUCI_VALIDATION_THRESHOLD");
    expect([threshold("1.5"), threshold("-1"), threshold("0.9"), threshold("NaN")]).toEqual([1, 0, 0.9, 0.8]);
  });
});
