// What control a task's `{name=value}` parameter gets, and what a control writes back: a slider
// with a number box for a number (its range and step derived from the value the control first
// showed), a checkbox for True/False, a text box for a string, and a literal box for None and
// lists. Shared by Luci's page and the JupyterLab extension (frontend/views/parameter-fields.ts).
import { parseParameters, pythonLiteral, taskKey, type TaskParameter } from "../../kernel/pipeline/records/parameters.js";
import { isObject } from "./json.js";
import { withParameter } from "./task-parameters.js";

export interface SliderRange {
  min: number;
  max: number;
  step: number;
}

export type ParameterControl =
  | ({ kind: "number"; integer: boolean } & SliderRange)
  | { kind: "boolean" }
  /** A string: what is typed is the text itself, quoted when written. */
  | { kind: "text" }
  /** None or a list: what is typed is a Python literal. */
  | { kind: "literal" };

/** The slider never has more positions than this (a finer value is typed in the number box). */
const MAX_POSITIONS = 10_000;
/** "Nice" multipliers for the end of a range: 0.05 gives 0..0.1, 30 gives 0..60, 7 gives 0..15. */
const NICE = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

export function controlFor(parameter: TaskParameter): ParameterControl {
  const value = parameter.value;
  if (typeof value === "boolean") return { kind: "boolean" };
  if (typeof value === "string") return { kind: "text" };
  if (typeof value === "number") {
    const integer = isIntegerLiteral(parameter.raw);
    return { kind: "number", integer, ...sliderRange(value, integer) };
  }
  return { kind: "literal" };
}

/** A literal written without a decimal point or exponent: Python reads it as an int. */
function isIntegerLiteral(raw: string): boolean {
  return !/[.eE]/.test(raw.replace(/_/g, ""));
}

/**
 * The slider's range for a value, as an analyst would set it by hand: 0 to about twice the value
 * for a positive one (a rate of 0.05 slides over 0..0.1, 250000 over 0..500000), symmetric about
 * zero for a negative one (-5 over -10..10: a negative setting often means an offset that may
 * cross zero), and 0..10 (integers) or 0..1 for a zero. The step gives about a hundred to a
 * thousand positions, is whole for an integer, and is fine enough for the value's own digits
 * when that keeps the positions within MAX_POSITIONS.
 */
export function sliderRange(value: number, integer: boolean): SliderRange {
  let min: number;
  let max: number;
  if (value === 0) {
    min = 0;
    max = integer ? 10 : 1;
  } else if (value > 0) {
    min = 0;
    max = niceCeil(2 * value);
  } else {
    max = niceCeil(2 * -value);
    min = -max;
  }
  const step = 10 ** (Math.floor(Math.log10(max - min)) - 2);
  return withStepFor({ min, max, step: integer ? Math.max(1, Math.round(step)) : roundTo(step, 12) }, value, integer);
}

/**
 * The range with a step fine enough for the value's digits (0.0615 on a 0.001 slider gets 0.0001),
 * as long as the slider keeps within MAX_POSITIONS; an integer's step stays whole.
 */
export function withStepFor(range: SliderRange, value: number, integer: boolean): SliderRange {
  const own = 10 ** -decimals(value);
  if (integer || own >= range.step || (range.max - range.min) / own > MAX_POSITIONS) return range;
  return { ...range, step: roundTo(own, 12) };
}

/** The smallest "nice" number (NICE times a power of ten) at or above x > 0. */
function niceCeil(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  for (const m of NICE) {
    const candidate = roundTo(m * power, 12);
    if (candidate >= x * (1 - 1e-12)) return candidate;
  }
  return 10 * power;
}

/** How many decimals a number has as JavaScript writes it (1e-7 has 7). */
function decimals(value: number): number {
  const [mantissa, exponent] = String(Math.abs(value)).split("e");
  const fraction = mantissa!.split(".")[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent ?? 0));
}

function roundTo(value: number, digits: number): number {
  return Number(value.toPrecision(digits));
}

/**
 * The literal a number control writes: a slider's value rounded to its step's decimals (no
 * 0.07100000000000001), an int for an integer parameter, and a float stays a float (`2.0`), so
 * the code sees the type the task was written with.
 */
export function numberLiteral(value: number, control: { integer: boolean; step?: number }): string {
  if (control.integer && Number.isInteger(value)) return String(value);
  let shown = value;
  if (control.step !== undefined) shown = Number(value.toFixed(Math.min(20, decimals(control.step))));
  shown = roundTo(shown, 15);
  const text = String(shown === 0 ? 0 : shown);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/**
 * The literal to write for what was typed in a control's box, or undefined when it cannot be
 * used. A string's box holds the text itself; a number's box a number (or any other literal: the
 * analyst may mean None); a literal box a Python literal. A number typed for a float parameter
 * stays a float (`3` writes `3.0`).
 */
export function typedLiteral(typed: string, control: ParameterControl): string | undefined {
  if (control.kind === "text") return /\n/.test(typed) ? undefined : pythonLiteral(typed);
  if (control.kind === "boolean") return typed === "true" ? "True" : typed === "false" ? "False" : undefined;
  const text = typed.trim();
  if (!text) return undefined;
  const probe = parseParameters(`{x=${text}}`).parameters[0];
  if (!probe || probe.end !== text.length + 4) return undefined;
  if (control.kind === "number" && typeof probe.value === "number" && !control.integer) return numberLiteral(probe.value, { integer: false });
  return text;
}

/**
 * The task text with every `{name=…}` of this name set to the literal; undefined when the
 * result would not read back as that parameter with that value (a string that would break the
 * braces, say), so a control never writes a task that means something else.
 */
export function withParameterValue(source: string, name: string, literal: string): string | undefined {
  const groups = parseParameters(source).parameters.filter((p) => p.name === name);
  if (!groups.length) return undefined;
  const out = withParameter(source, name, literal);
  const check = parseParameters(`{${name}=${literal}}`);
  const expected = check.parameters[0];
  if (!expected || check.problems.length) return undefined;
  const after = parseParameters(out);
  const written = after.parameters.filter((p) => p.name === name);
  if (written.length !== groups.length || after.problems.length > parseParameters(source).problems.length) return undefined;
  if (written.some((p) => JSON.stringify(p.value) !== JSON.stringify(expected.value))) return undefined;
  if (taskKey(out) !== taskKey(source)) return undefined;
  return out;
}

/** What a task's record says it was made for: the task text and its parameters' values then. */
export interface RecordedTask {
  task: string;
  /** As read from the notebook: JSON, each value checked where it is used. */
  parameters: Record<string, unknown>;
}

/** The cell's last record (from its nbformat outputs), or undefined when it has none. */
export function recordedTask(outputs: readonly unknown[]): RecordedTask | undefined {
  let found: RecordedTask | undefined;
  for (const output of outputs) {
    if (!isObject(output) || !isObject(output.data)) continue;
    const record = output.data["application/vnd.luci.record+json"];
    if (isObject(record) && typeof record.task === "string") found = { task: record.task, parameters: isObject(record.parameters) ? record.parameters : {} };
  }
  return found;
}

/**
 * Whether the task's words (not only its parameter values) differ from those its code was
 * recorded for: then a run asks the model for new code, and the controls do not rerun.
 */
export function taskChanged(source: string, recorded: string): boolean {
  return taskKey(source) !== taskKey(recorded);
}
