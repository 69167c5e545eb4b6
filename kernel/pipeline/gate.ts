// The validation gate's verdict on generated code. The worker reads the code (PROTOCOL.md,
// "Validation": kernel/runtime/worker/luci_worker/validation/) and answers with a report; this
// module checks it and turns whatever came back into one of three verdicts. The gate fails closed: code runs
// only on a report of exactly the documented shape that says it passed, and says so
// consistently (passed == score >= threshold, at the threshold the kernel asked for). A reply
// of another shape, an error, no answer in time, or a worker that could not be asked is
// "undecided", and undecided code is shown, not run, like code that failed.
import { errorMessage } from "../common/errors.js";
import { isObject } from "../common/json-file.js";
import { array, boolean, literal, nullable, object, oneOf, parseShape, shape, string, type Infer } from "../common/shape.js";

// common/shape.ts rather than zod: the interpreter loads this module with the kernel, and a
// notebook of Python cells must not load zod.
const unitInterval = shape<number>("a number from 0 to 1", (v) => typeof v === "number" && v >= 0 && v <= 1);

const issueShape = object({
  rule: string,
  severity: oneOf(["blocker", "high", "medium", "low", "note"] as const),
  line: nullable(shape<number>("a whole number", (v) => Number.isInteger(v))),
  message: string,
  hint: string,
});

const reportShape = object({
  status: literal("ok"),
  score: unitInterval,
  passed: boolean,
  threshold: unitInterval,
  issues: array(issueShape),
  summary: string,
});

/** The worker's validation report, as checked at the boundary. */
export type ValidationReport = Infer<typeof reportShape>;

export type GateVerdict =
  | { verdict: "passed"; report: ValidationReport }
  | { verdict: "failed"; report: ValidationReport }
  /** No verdict could be had: the code must not run by itself. */
  | { verdict: "undecided"; reason: string };

/** What the worker's reply (anything) means for the code. Never throws. */
export function readVerdict(reply: unknown, threshold: number): GateVerdict {
  const parsed = parseShape(reportShape, reply);
  if (!parsed.ok) return { verdict: "undecided", reason: whyNoReport(reply, parsed.reason) };
  const report = parsed.value;
  if (report.passed !== report.score >= report.threshold)
    return {
      verdict: "undecided",
      reason: `the validator's answer contradicts itself (score ${report.score}, threshold ${report.threshold}, passed ${report.passed})`,
    };
  // The worker clamps the threshold as the kernel does; another value means it judged by another rule.
  if (Math.abs(report.threshold - threshold) > 1e-9)
    return { verdict: "undecided", reason: `the validator judged against the threshold ${report.threshold}, not ${threshold}` };
  return report.passed ? { verdict: "passed", report } : { verdict: "failed", report };
}

/**
 * Asks the validator and reads its verdict: a question that throws (no worker, a worker that
 * died or could not start) is undecided too.
 */
export async function judge(ask: () => Promise<unknown>, threshold: number): Promise<GateVerdict> {
  let reply: unknown;
  try {
    reply = await ask();
  } catch (err) {
    return { verdict: "undecided", reason: `the validator could not be asked (${errorMessage(err)})` };
  }
  return readVerdict(reply, threshold);
}

function whyNoReport(reply: unknown, problem: string): string {
  const fields = isObject(reply) ? reply : {};
  const detail = typeof fields.evalue === "string" && fields.evalue ? fields.evalue : undefined;
  if (fields.status === "unknown") return `the validator did not answer${detail ? ` (${detail})` : " in time"}`;
  if (fields.status === "error") {
    const name = typeof fields.ename === "string" ? fields.ename : "an error";
    return `the validator failed (${name}${detail ? `: ${detail}` : ""})`;
  }
  return `the validator's answer could not be read (${problem})`;
}
