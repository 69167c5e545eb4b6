// `%luci sweep rate=0.03:0.08:0.01 years=15,30`: which values each parameter takes, and the
// scenarios they make (every combination). The grammar, exactly:
// - arguments are `name=values`, separated by spaces (spaces inside quotes or brackets are kept;
//   `rate = 0.03:0.08` and `years=15, 30` are read as meant: a piece that does not start a new
//   `name=` belongs to the argument before it);
// - `a:b:step` is a range of numbers from a to b, b included when the steps reach it (a step may
//   be negative, to count down); `a:b` steps by 1. Values are rounded to the decimals written, so
//   0.03:0.08:0.01 gives 0.07, never 0.07000000000000001;
// - `a,b,c` is a list; each item is a Python literal as in a task's `{name=value}` (a number, a
//   quoted string, True/False/None, a list) or a bare word, taken as a string (`city=Paris,Lyon`);
// - one value alone fixes the parameter for every scenario.
// Names must be the task's own parameters; the count is checked before any value is made.
import { parsePythonLiteral, pythonLiteral, type JsonValue } from "../records/index.js";

/** One value a parameter takes: its value and the Python literal assigned (1.0 stays a float). */
interface SweepValue {
  value: JsonValue;
  literal: string;
}

export interface SweepAxis {
  name: string;
  values: SweepValue[];
}

export type SweepSpec = { ok: true; axes: SweepAxis[]; count: number } | { ok: false; message: string };

/** One scenario: a value for each swept parameter, in the order the axes were written. */
export type Scenario = { name: string; value: SweepValue }[];

const NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const STARTS_ARGUMENT = /^[\p{L}_][\p{L}\p{N}_]*=/u;
const BARE_WORD = /^[\p{L}_][\p{L}\p{N}_.-]*$/u;

/**
 * Reads the arguments against the task's parameters (their names, in the task's order) and
 * the most scenarios allowed. An error says what is wrong in words, naming the task's parameters.
 */
export function parseSweep(args: string, taskParameters: readonly string[], maxScenarios: number): SweepSpec {
  const known = `this task's parameters: ${taskParameters.length ? taskParameters.join(", ") : "none (write {name=value} in the task to make one)"}`;
  const split = splitTop(args.trim(), /\s/);
  if (!split.ok) return split;
  const parts = split.parts.filter((w) => w.length > 0);
  const words: string[] = [];
  parts.forEach((part, i) => {
    // `name=...`, or `name` with `=...` next: a new argument; anything else continues the last one.
    const starts = STARTS_ARGUMENT.test(part) || (NAME.test(part) && parts[i + 1]?.startsWith("="));
    if (words.length && !starts) words[words.length - 1] += ` ${part}`;
    else words.push(part);
  });
  if (words.length === 0) return { ok: false, message: `%luci sweep needs the values to try, as name=values (e.g. rate=0.03:0.08:0.01 years=15,30); ${known}` };
  const axes: SweepAxis[] = [];
  const ranges: { axis: SweepAxis; text: string }[] = [];
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq <= 0) return { ok: false, message: `"${word}" is not name=values (e.g. rate=0.03:0.08:0.01 or years=15,30); ${known}` };
    const name = word.slice(0, eq).trim();
    const text = word.slice(eq + 1).trim();
    if (!NAME.test(name)) return { ok: false, message: `"${name}" is not a parameter name; ${known}` };
    if (!taskParameters.includes(name)) return { ok: false, message: `"${name}" is not a parameter of the task; ${known}` };
    if (axes.some((a) => a.name === name)) return { ok: false, message: `"${name}" is given twice; give all its values once, as ${name}=a,b,c` };
    if (!text) return { ok: false, message: `"${name}" has no values: write ${name}=a,b,c or ${name}=start:end:step` };
    const axis: SweepAxis = { name, values: [] };
    const range = rangeParts(text);
    if (range) ranges.push({ axis, text });
    else {
      const values = listValues(name, text);
      if (!values.ok) return values;
      axis.values = values.values;
    }
    axes.push(axis);
  }
  // Ranges are counted before they are made: 0:1e9:1 is refused, not built.
  const counts = new Map<SweepAxis, number>();
  for (const { axis, text } of ranges) {
    const count = rangeCount(axis.name, text);
    if (!count.ok) return count;
    counts.set(axis, count.count);
  }
  const count = axes.reduce((n, axis) => n * (counts.get(axis) ?? axis.values.length), 1);
  if (count > maxScenarios)
    return {
      ok: false,
      message:
        `${axes.map((a) => `${counts.get(a) ?? a.values.length} ${a.name}`).join(" × ")} make ${count} scenarios, more than ` +
        `LUCI_SWEEP_MAX_SCENARIOS (${maxScenarios}): sweep fewer values, or raise that setting`,
    };
  for (const { axis, text } of ranges) axis.values = rangeValues(text);
  return { ok: true, axes, count };
}

/** Every combination, the first axis changing slowest (as itertools.product). */
export function scenarios(axes: readonly SweepAxis[]): Scenario[] {
  let all: Scenario[] = [[]];
  for (const axis of axes) all = all.flatMap((s) => axis.values.map((value) => [...s, { name: axis.name, value }]));
  return all;
}

/** `a:b` or `a:b:step`, all plain numbers; undefined for anything else (a list, a string with a colon). */
function rangeParts(text: string): { start: string; end: string; step: string } | undefined {
  const parts = text.split(":");
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => PLAIN_NUMBER.test(p.trim()))) return undefined;
  return { start: parts[0]!.trim(), end: parts[1]!.trim(), step: (parts[2] ?? "1").trim() };
}

function decimals(literal: string): number {
  const [mantissa = "", exponent = "0"] = literal.toLowerCase().split("e");
  const fraction = mantissa.split(".")[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

function isFloatLiteral(literal: string): boolean {
  return /[.eE]/.test(literal);
}

function rangeCount(name: string, text: string): { ok: true; count: number } | { ok: false; message: string } {
  const { start, end, step } = rangeParts(text)!;
  const [a, b, s] = [Number(start), Number(end), Number(step)];
  if (![a, b, s].every(Number.isFinite)) return { ok: false, message: `${name}=${text}: the numbers are out of range` };
  if (s === 0) return { ok: false, message: `${name}=${text}: the step cannot be 0` };
  if ((b - a) * s < 0)
    return { ok: false, message: `${name}=${text}: a step of ${step} never goes from ${start} to ${end} (use a ${s > 0 ? "negative" : "positive"} step)` };
  // A tolerance of a millionth of a step: 0.03 + 5 × 0.01 reaches 0.08 although floats say 0.0799….
  return { ok: true, count: Math.floor((b - a) / s + 1e-6) + 1 };
}

function rangeValues(text: string): SweepValue[] {
  const { start, end, step } = rangeParts(text)!;
  const [a, b, s] = [Number(start), Number(end), Number(step)];
  const places = Math.min(15, Math.max(decimals(start), decimals(end), decimals(step)));
  const float = [start, end, step].some(isFloatLiteral);
  const count = Math.floor((b - a) / s + 1e-6) + 1;
  const values: SweepValue[] = [];
  for (let i = 0; i < count; i++) {
    // Each value from the start (not by adding steps), then rounded to the decimals written.
    const value = Number((a + i * s).toFixed(places)) || 0; // no -0
    values.push({ value, literal: float ? floatLiteral(value) : String(value) });
  }
  return values;
}

/** A float's Python literal: 2 as `2.0`, so that code dividing by it gets what the range meant. */
function floatLiteral(value: number): string {
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

function listValues(name: string, text: string): { ok: true; values: SweepValue[] } | { ok: false; message: string } {
  const split = splitTop(text, /,/);
  if (!split.ok) return { ok: false, message: `${name}=${text}: ${split.message}` };
  const values: SweepValue[] = [];
  for (const raw of split.parts.map((p) => p.trim())) {
    if (!raw) return { ok: false, message: `${name}=${text}: a value is missing between commas` };
    const parsed = parsePythonLiteral(raw);
    if (parsed.ok) values.push({ value: parsed.value, literal: raw });
    else if (BARE_WORD.test(raw)) values.push({ value: raw, literal: pythonLiteral(raw) });
    else
      return {
        ok: false,
        message: `${name}=${text}: ${JSON.stringify(raw)} is not a value Luci can use (${parsed.message}); quote a string with spaces or symbols`,
      };
  }
  const seen = new Set<string>();
  for (const v of values) {
    const key = JSON.stringify(v.value);
    if (seen.has(key)) return { ok: false, message: `${name}=${text}: ${v.literal} is given twice` };
    seen.add(key);
  }
  return { ok: true, values };
}

/** Splits at `separator` outside quotes and brackets. */
function splitTop(text: string, separator: RegExp): { ok: true; parts: string[] } | { ok: false; message: string } {
  const parts: string[] = [];
  let current = "";
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      current += ch;
      if (ch === "\\") current += text[++i] ?? "";
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "[" || ch === "(") depth += 1;
    else if (ch === "]" || ch === ")") depth = Math.max(0, depth - 1);
    else if (depth === 0 && separator.test(ch)) {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  if (quote) return { ok: false, message: `a string opened with ${quote} is not closed` };
  parts.push(current);
  return { ok: true, parts };
}
