// Parameters in a task: `{name=value}` makes `name` a variable that the code reads, with `value`
// as its default. `Monthly payment on {principal=250000} at {rate=0.05}` and the same words with
// `{rate=0.07}` are one task (the same taskKey), so the recorded code reruns with the new value.
//
// The syntax, exactly:
// - `{name=value}`: name a Python identifier (not a keyword, not a common built-in it would hide);
//   value a Python literal: a number (0.05, 250000, 250_000, -1, 1e-3), a string ("text" or
//   'text', with Python's escapes), True, False, None, or a list of these ([1, 2], ["a", 'b']).
// - A brace group is a parameter only when it reads `{word=...}` (a single `=`, not `==`, `<=`,
//   `+=`); anything else in braces (`{'a': 1}`, `{x}`, `{x == 1}`) is plain text.
// - `{{` is a literal brace (as in f-strings): `{{rate=1}}` is text.
// - Text in backticks (`code` or ``` fenced blocks) is never read for parameters.
// - A group that reads `{word=...}` but has a bad name or value is reported, never guessed.
import { errorMessage } from "../../common/errors.js";
import type { JsonValue } from "./json.js";

export interface TaskParameter {
  name: string;
  value: JsonValue;
  /** The value as written: a Python literal, so `1.0` stays a float when assigned. */
  raw: string;
  /** Offsets of the whole `{...}` in the task text (end exclusive). */
  start: number;
  end: number;
}

export interface ParameterProblem {
  /** The group as written, `{2x=5}`. */
  text: string;
  start: number;
  end: number;
  message: string;
}

export interface ParsedParameters {
  parameters: TaskParameter[];
  problems: ParameterProblem[];
}

const PYTHON_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
);
// Built-ins that generated code commonly calls; a parameter with one of these names would hide it.
const HIDDEN_BUILTINS = new Set(
  "abs all any bool dict dir divmod enumerate filter float format getattr hasattr hash id input int isinstance iter len list map max min next object open pow print range repr reversed round set sorted str sum super tuple type vars zip".split(
    " ",
  ),
);

// The left side of `{word=...}`: one token with none of the characters that make it an operator,
// a dict key or a call.
const CANDIDATE = /^\s*([^\s=<>!:'"(){}[\],;+*/%&|^~@]+)\s*=(?!=)([\s\S]*)$/;
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_]*$/u;

export function parseParameters(task: string): ParsedParameters {
  const parameters: TaskParameter[] = [];
  const problems: ParameterProblem[] = [];
  const seen = new Map<string, TaskParameter>();
  for (const group of braceGroups(task)) {
    const match = CANDIDATE.exec(group.content);
    if (!match) continue;
    const name = match[1]!;
    const rawValue = match[2]!.trim();
    const text = task.slice(group.start, group.end);
    const problem = (message: string) => problems.push({ text, start: group.start, end: group.end, message });
    const nameProblem = checkName(name);
    if (nameProblem) {
      problem(nameProblem);
      continue;
    }
    if (!rawValue) {
      problem(`parameter "${name}" has no value: write {${name}=value}`);
      continue;
    }
    const parsed = parsePythonLiteral(rawValue);
    if (!parsed.ok) {
      problem(`the value of "${name}" is not a literal Luci can use (${parsed.message}); write a number, a quoted string, True/False or a list`);
      continue;
    }
    const parameter: TaskParameter = { name, value: parsed.value, raw: rawValue, start: group.start, end: group.end };
    const earlier = seen.get(name);
    if (earlier && JSON.stringify(earlier.value) !== JSON.stringify(parameter.value)) {
      problem(`parameter "${name}" is given twice with different values (${earlier.raw} and ${rawValue})`);
      continue;
    }
    seen.set(name, earlier ?? parameter);
    parameters.push(parameter);
  }
  return { parameters, problems };
}

/** Each parameter's value (the first occurrence of a name wins; repeats hold the same value). */
export function parameterValues(parsed: ParsedParameters | TaskParameter[]): Record<string, JsonValue> {
  const list = Array.isArray(parsed) ? parsed : parsed.parameters;
  const values: Record<string, JsonValue> = {};
  for (const p of list) if (!(p.name in values)) values[p.name] = p.value;
  return values;
}

/**
 * The task with its parameter values abstracted: equal for `{rate=0.05}` and `{rate=0.07}`,
 * different when any word changes. Line endings and trailing spaces do not count.
 */
export function taskKey(task: string): string {
  const text = normaliseText(task);
  const { parameters } = parseParameters(text);
  let key = "";
  let at = 0;
  for (const p of parameters) {
    key += `${text.slice(at, p.start)}{${p.name}=…}`;
    at = p.end;
  }
  key += text.slice(at);
  return normaliseText(key);
}

export function normaliseText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.replace(/[ \t]+$/, ""))
    .join("\n")
    .trim();
}

function checkName(name: string): string | undefined {
  if (!IDENTIFIER.test(name)) return `"${name}" is not a valid parameter name: use letters, digits and _, not starting with a digit`;
  if (PYTHON_KEYWORDS.has(name)) return `"${name}" is a Python keyword and cannot be a parameter name`;
  if (HIDDEN_BUILTINS.has(name)) return `"${name}" would hide Python's built-in ${name}(); choose another parameter name`;
  if (name === "_" || name.startsWith("__")) return `"${name}" is reserved (the last result, or Python's own names)`;
  return undefined;
}

interface BraceGroup {
  start: number;
  end: number;
  content: string;
}

/** Top-level `{...}` groups outside code spans, balanced over brackets and quotes. */
function* braceGroups(text: string): Generator<BraceGroup> {
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "`") {
      const run = /^`+/.exec(text.slice(i))![0];
      const close = findClosingFence(text, i + run.length, run);
      i = close === -1 ? i + run.length : close + run.length;
      continue;
    }
    if (ch === "{") {
      if (text[i + 1] === "{") {
        // `{{` is a literal brace; skip to the matching `}}` so nothing inside is read.
        const close = text.indexOf("}}", i + 2);
        i = close === -1 ? i + 2 : close + 2;
        continue;
      }
      let end = matchingBrace(text, i);
      if (end === -1) {
        // Unbalanced inside (an apostrophe in `{note=it's}`): still report a `{word=...}` on one line.
        const simple = text.indexOf("}", i);
        if (simple !== -1 && !text.slice(i, simple).includes("\n") && CANDIDATE.test(text.slice(i + 1, simple))) end = simple;
      }
      if (end === -1) {
        i += 1;
        continue;
      }
      yield { start: i, end: end + 1, content: text.slice(i + 1, end) };
      i = end + 1;
      continue;
    }
    i += 1;
  }
}

function findClosingFence(text: string, from: number, run: string): number {
  // The closing run has exactly the same number of backticks (CommonMark).
  for (let at = text.indexOf(run, from); at !== -1; at = text.indexOf(run, at + 1)) {
    const before = at > 0 ? text[at - 1] : "";
    const after = text[at + run.length] ?? "";
    if (before !== "`" && after !== "`") return at;
    while (text[at + 1] === "`") at += 1;
  }
  return -1;
}

/** The index of the `}` that closes the `{` at `open`, or -1. Quotes and nested brackets are skipped. */
function matchingBrace(text: string, open: number): number {
  const stack: string[] = ["}"];
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const end = stringEnd(text, i);
      if (end === -1) return -1;
      i = end;
      continue;
    }
    if (ch === "\n" && text[i + 1] === "\n") return -1; // a parameter never spans paragraphs
    if (ch === "{") stack.push("}");
    else if (ch === "[") stack.push("]");
    else if (ch === "(") stack.push(")");
    else if (ch === "}" || ch === "]" || ch === ")") {
      if (stack[stack.length - 1] !== ch) return -1;
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** The index of the quote closing the string that opens at `open`, or -1 (strings end at a line end). */
function stringEnd(text: string, open: number): number {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") i += 1;
    else if (ch === quote) return i;
    else if (ch === "\n") return -1;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Python literals: the subset a parameter or an injected parameters cell holds.

export type LiteralResult = { ok: true; value: JsonValue } | { ok: false; message: string };

export interface LiteralOptions {
  /** Dicts (`{"a": 1}`) are accepted: papermill can inject them; task parameters refuse them. */
  dicts?: boolean;
}

export function parsePythonLiteral(text: string, options: LiteralOptions = {}): LiteralResult {
  const parser = new LiteralParser(text, options);
  try {
    const value = parser.value();
    parser.skipSpace();
    if (!parser.atEnd()) return { ok: false, message: `unexpected "${parser.rest().slice(0, 20)}"` };
    return { ok: true, value };
  } catch (err) {
    return { ok: false, message: errorMessage(err) };
  }
}

const NUMBER = /^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?/;

class LiteralParser {
  private at = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly options: LiteralOptions,
  ) {}

  atEnd(): boolean {
    return this.at >= this.text.length;
  }

  rest(): string {
    return this.text.slice(this.at);
  }

  skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at += 1;
  }

  value(): JsonValue {
    this.skipSpace();
    if (this.atEnd()) throw new Error("a value is missing");
    const ch = this.text[this.at]!;
    if (ch === "[") return this.sequence();
    if (ch === "{") {
      if (!this.options.dicts) throw new Error("dictionaries are not supported as parameter values");
      return this.dict();
    }
    if (ch === "'" || ch === '"') return this.string();
    const word = /^[A-Za-z_]\w*/.exec(this.rest());
    if (word) {
      this.at += word[0].length;
      if (word[0] === "True") return true;
      if (word[0] === "False") return false;
      if (word[0] === "None") return null;
      throw new Error(`"${word[0]}" is a name, not a value (quote it to make it a string)`);
    }
    return this.number();
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > 32) throw new Error("nested too deeply");
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private sequence(): JsonValue[] {
    return this.nested(() => {
      this.at += 1; // [
      const items: JsonValue[] = [];
      for (;;) {
        this.skipSpace();
        if (this.text[this.at] === "]") {
          this.at += 1;
          return items;
        }
        items.push(this.value());
        this.skipSpace();
        const sep = this.text[this.at];
        if (sep === ",") this.at += 1;
        else if (sep === "]") continue;
        else throw new Error(sep === undefined ? "the list is not closed with ]" : `expected , or ] in the list, found "${sep}"`);
      }
    });
  }

  private dict(): Record<string, JsonValue> {
    return this.nested(() => {
      this.at += 1; // {
      const entries: Record<string, JsonValue> = {};
      for (;;) {
        this.skipSpace();
        if (this.text[this.at] === "}") {
          this.at += 1;
          return entries;
        }
        const key = this.value();
        if (typeof key !== "string") throw new Error("only string keys are supported in a dictionary");
        this.skipSpace();
        if (this.text[this.at] !== ":") throw new Error("expected : after a dictionary key");
        this.at += 1;
        entries[key] = this.value();
        this.skipSpace();
        const sep = this.text[this.at];
        if (sep === ",") this.at += 1;
        else if (sep !== "}") throw new Error(sep === undefined ? "the dictionary is not closed with }" : `expected , or } in the dictionary, found "${sep}"`);
      }
    });
  }

  private number(): number {
    const match = NUMBER.exec(this.rest());
    if (!match) throw new Error(`"${this.rest().slice(0, 20)}" is not a number, a quoted string, True, False or a list`);
    const raw = match[0];
    const next = this.text[this.at + raw.length];
    if (next !== undefined && /[\w.]/.test(next)) throw new Error(`"${raw}${next}…" is not a number`);
    const digits = raw.replace(/_/g, "");
    const isInteger = !/[.eE]/.test(digits);
    if (isInteger && /^[+-]?0+[1-9]/.test(digits)) throw new Error(`"${raw}": Python does not allow leading zeros in an integer`);
    const value = Number(digits);
    if (!Number.isFinite(value)) throw new Error(`"${raw}" is out of range`);
    if (isInteger && !Number.isSafeInteger(value)) throw new Error(`"${raw}" is too large to be recorded exactly`);
    this.at += raw.length;
    return value === 0 ? 0 : value; // no -0
  }

  private string(): string {
    const quote = this.text[this.at]!;
    if (this.text.startsWith(quote.repeat(3), this.at)) throw new Error("triple-quoted strings are not supported");
    let out = "";
    for (let i = this.at + 1; i < this.text.length; i++) {
      const ch = this.text[i]!;
      if (ch === quote) {
        this.at = i + 1;
        return out;
      }
      if (ch === "\n") break;
      if (ch !== "\\") {
        out += ch;
        continue;
      }
      const esc = this.text[++i];
      switch (esc) {
        case "\\":
        case "'":
        case '"':
          out += esc;
          break;
        case "n":
          out += "\n";
          break;
        case "t":
          out += "\t";
          break;
        case "r":
          out += "\r";
          break;
        case "0":
          out += "\0";
          break;
        case "a":
          out += "\x07";
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "v":
          out += "\v";
          break;
        case "x":
        case "u":
        case "U": {
          const size = esc === "x" ? 2 : esc === "u" ? 4 : 8;
          const hex = this.text.slice(i + 1, i + 1 + size);
          if (!new RegExp(`^[0-9A-Fa-f]{${size}}$`).test(hex)) throw new Error(`bad \\${esc} escape in a string`);
          const code = parseInt(hex, 16);
          if (code > 0x10ffff) throw new Error(`bad \\${esc} escape in a string`);
          out += String.fromCodePoint(code);
          i += size;
          break;
        }
        case undefined:
          throw new Error("the string is not closed");
        case "N":
          throw new Error("\\N{...} escapes are not supported");
        default:
          out += `\\${esc}`; // as Python does with an unknown escape
      }
    }
    throw new Error("the string is not closed");
  }
}

// ---------------------------------------------------------------------------------------------
// Back to Python: the assignments that give the code its parameters.

/** A Python literal for a JSON value: None, True/False, numbers, strings, lists, dicts. */
export function pythonLiteral(value: JsonValue): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "None";
  // JSON's escapes (\" \\ \n \t \uXXXX ...) are all valid in a Python string literal.
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(", ")}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`)
    .join(", ")}}`;
}

/**
 * Python that sets each parameter: `rate = 0.07`. Parsed parameters keep their literal as written
 * (so `1.0` stays a float); plain values are written with pythonLiteral. Names are checked.
 */
export function parameterAssignments(parameters: TaskParameter[] | Record<string, JsonValue>): string {
  const entries: [string, string][] = Array.isArray(parameters)
    ? [...new Map(parameters.map((p) => [p.name, p.raw] as [string, string])).entries()]
    : Object.entries(parameters).map(([name, value]) => [name, pythonLiteral(value)]);
  return entries
    .map(([name, literal]) => {
      if (!IDENTIFIER.test(name) || PYTHON_KEYWORDS.has(name)) throw new Error(`"${name}" is not a valid parameter name`);
      return `${name} = ${literal}\n`;
    })
    .join("");
}

/**
 * A cell made only of `name = literal` lines (and comments and blank lines), such as papermill's
 * injected parameters cell: the values it sets, or undefined when it is anything else.
 */
export function literalAssignments(source: string): Record<string, JsonValue> | undefined {
  const values: Record<string, JsonValue> = {};
  let any = false;
  for (const line of source.replace(/\r\n?/g, "\n").split("\n")) {
    if (!line.trim() || /^\s*#/.test(line)) continue;
    const match = /^([\p{L}_][\p{L}\p{N}_]*)[ \t]*=(?!=)[ \t]*(.*)$/u.exec(line);
    if (!match || PYTHON_KEYWORDS.has(match[1]!)) return undefined;
    const literal = stripComment(match[2]!);
    const parsed = parsePythonLiteral(literal, { dicts: true });
    if (!parsed.ok) return undefined;
    values[match[1]!] = parsed.value;
    any = true;
  }
  return any ? values : undefined;
}

/** The text before a `#` comment that is not inside a string. */
function stripComment(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const end = stringEnd(text, i);
      if (end === -1) return text;
      i = end;
    } else if (ch === "#") {
      return text.slice(0, i).trimEnd();
    }
  }
  return text.trimEnd();
}

/**
 * Real models restate a task's parameters at the top of their code (`rate = 0.05`) although the
 * prompt says they are already set: the Qwen2.5-Coder models here do it on most parameter tasks.
 * Left in, the restated line would win over the value injected before the code, so a rerun with
 * `{rate=0.07}` would still compute with 0.05. A top-level line that assigns a parameter the very
 * value the task gives it (`name = literal`, optionally annotated or commented) is removed; a
 * different value is kept, since the code may mean something else by it (a percentage, say).
 */
export function withoutRestatedParameters(code: string, values: Record<string, JsonValue>): { code: string; removed: string[] } {
  const names = new Set(Object.keys(values));
  if (names.size === 0) return { code, removed: [] };
  const removed: string[] = [];
  const kept = code.split("\n").filter((line) => {
    const match = /^([\p{L}_][\p{L}\p{N}_]*)[ \t]*(?::[ \t]*[\w.[\], ]+)?[ \t]*=(?!=)[ \t]*(.*)$/u.exec(line.replace(/\r$/, ""));
    if (!match || !names.has(match[1]!)) return true;
    const parsed = parsePythonLiteral(stripComment(match[2]!));
    if (!parsed.ok || !sameValue(parsed.value, values[match[1]!]!)) return true;
    removed.push(line.trim());
    return false;
  });
  return { code: kept.join("\n"), removed };
}

function sameValue(a: JsonValue, b: JsonValue): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}
