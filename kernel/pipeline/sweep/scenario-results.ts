// What one scenario gave: the numbers its code printed as `name: value` / `name = value` lines,
// and the entries of a dict (or pandas Series) it returned as its last expression, or that
// expression's number as "result". These become the table's result
// columns. Printed lines count only when their value is a number (a line of prose is not a
// result); a returned dict may also hold text or True/False.

/** A result cell: a number, or a short text (a dict's string value, a bool). */
export type ResultValue = number | string;

export interface ScenarioResult {
  /** Result columns in the order they were first seen. */
  values: Record<string, ResultValue>;
  /** The error the scenario's code raised ("ValueError: ..."), when it raised. */
  error?: string;
}

/** `Monthly payment: $1,073.64`, `total_interest = 186511.57`, `rate (%): 5`, `growth: 12.5 %`. */
const NAMED_NUMBER =
  /^\s*([\p{L}_][\p{L}\p{N}_ ()%/.'-]{0,59}?)\s*(?::|=)\s*([+-]?)\s*[$€£¥]?\s*((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+|nan|inf)\s*(?:%|[\p{L}$€£¥/]{1,12})?\s*$/iu;

/** A number printed alone on the last line (`print(f"{payment:.2f}")`): the column is "output". */
const BARE_NUMBER = /^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;

/** The named numbers a scenario printed; a name printed twice keeps its last value. */
export function printedValues(stdout: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of stdout.replace(/\r\n?/g, "\n").split("\n")) {
    const match = NAMED_NUMBER.exec(line);
    if (!match) continue;
    const name = match[1]!.trim();
    const digits = match[3]!.replace(/,/g, "");
    const number = /^nan$/i.test(digits) ? NaN : /^inf$/i.test(digits) ? Infinity : Number(digits);
    values[name] = match[2] === "-" ? -number : number;
  }
  if (Object.keys(values).length === 0) {
    const last = stdout.trimEnd().split("\n").at(-1) ?? "";
    const bare = BARE_NUMBER.exec(last);
    if (bare) values.output = Number(bare[1]);
  }
  return values;
}

/** What the harness (scenario-harness.ts) reports for one scenario, parsed and checked. */
export interface HarnessReport {
  stdout: string;
  /** The last expression's dict, its values already made JSON by the harness. */
  returned?: Record<string, unknown>;
  error?: string;
}

/** The scenario's results: printed named numbers, then the returned dict's entries (a dict wins a name both give). */
export function scenarioResult(report: HarnessReport): ScenarioResult {
  const values: Record<string, ResultValue> = { ...printedValues(report.stdout) };
  for (const [name, value] of Object.entries(report.returned ?? {})) {
    if (typeof value === "number") values[name] = value;
    else if (typeof value === "string") values[name] = value;
    else if (typeof value === "boolean") values[name] = value ? "True" : "False";
    else if (value === null) values[name] = "None";
  }
  return report.error === undefined ? { values } : { values, error: report.error };
}
