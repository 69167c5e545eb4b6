// The model's answer to a new task, and a tolerant parser for it.
//
// The format (prompt.ts asks for it; capabilities.ts says why it is free text and not JSON):
//   ```json
//   {"analysis": {...}, "plan": {"steps": [...]}}
//   ```
//   ```python
//   <the code>
//   ```
// Real models, small local ones above all, stray from it. The parser takes, in order:
//   - <think>…</think> blocks removed (reasoning models);
//   - the JSON from a ```json fence, from a fence of another name that holds an object, or bare
//     in the prose (the first balanced {...} that has analysis/plan keys);
//   - the code from ```python / ```py / ``` fences (several are joined in order), else from a
//     `code`/`python` string in the JSON, else recognised in the text with no fences at all;
//   - no code and words of refusal -> ModelRefused with the model's words; no code otherwise ->
//     AnswerFormatError;
//   - JSON that does not parse -> a local repair first (trailing commas, single quotes, comments,
//     Python literals, unquoted keys, missing commas, a truncated end); what stays broken is
//     reported as `needs_repair`, and the caller makes ONE repair call built by repairPrompt();
//   - JSON that parses -> light normalisation (US spelling, "simple" for "low", missing step
//     numbers, a string where a list belongs) then zod; a shape zod rejects is reported with a
//     zod message written to be pasted into that repair call.
import { z, type ZodError } from "zod";
import { AnswerFormatError, ModelRefused, clip } from "./errors.js";
import type { ChatMessage } from "./types.js";

export const TASK_TYPES = [
  "calculation",
  "data_processing",
  "analysis",
  "report_generation",
  "visualisation",
  "web_app",
] as const;
export const COMPLEXITIES = ["low", "medium", "high"] as const;

export const AnalysisSchema = z.object({
  task_type: z.enum(TASK_TYPES),
  needs_web_interface: z.boolean(),
  needs_simulation: z.boolean(),
  data_sources: z.array(z.string()),
  complexity: z.enum(COMPLEXITIES),
});

export const PlanStepSchema = z.object({
  step: z.number().int().positive(),
  action: z.string().min(1),
  inputs: z.array(z.string()),
  outputs: z.array(z.string()),
});

export const PlanSchema = z.object({ steps: z.array(PlanStepSchema).min(1) });

export const AnalysisAndPlanSchema = z.object({ analysis: AnalysisSchema, plan: PlanSchema });

export type Analysis = z.infer<typeof AnalysisSchema>;
export type PlanStep = z.infer<typeof PlanStepSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type AnalysisAndPlan = z.infer<typeof AnalysisAndPlanSchema>;

/** The same shape as JSON Schema, for `response_format: json_schema` (strict rules: every
 * property required, additionalProperties false at every level, no $ref, no unions). Written
 * out rather than generated, so nothing loads a converter; a test checks it against zod. */
export const ANALYSIS_AND_PLAN_JSON_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["analysis", "plan"],
  properties: {
    analysis: {
      type: "object",
      additionalProperties: false,
      required: ["task_type", "needs_web_interface", "needs_simulation", "data_sources", "complexity"],
      properties: {
        task_type: { type: "string", enum: [...TASK_TYPES] },
        needs_web_interface: { type: "boolean" },
        needs_simulation: { type: "boolean" },
        data_sources: { type: "array", items: { type: "string" } },
        complexity: { type: "string", enum: [...COMPLEXITIES] },
      },
    },
    plan: {
      type: "object",
      additionalProperties: false,
      required: ["steps"],
      properties: {
        steps: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["step", "action", "inputs", "outputs"],
            properties: {
              step: { type: "integer" },
              action: { type: "string" },
              inputs: { type: "array", items: { type: "string" } },
              outputs: { type: "array", items: { type: "string" } },
            },
          },
        },
      },
    },
  },
} as const;

export const ANALYSIS_AND_PLAN_SCHEMA_NAME = "luci_analysis_and_plan";

/** An example of the JSON, for prompts (schemas' descriptions are not shown to every model). */
export const EXAMPLE_ANALYSIS_AND_PLAN: AnalysisAndPlan = {
  analysis: {
    task_type: "visualisation",
    needs_web_interface: false,
    needs_simulation: false,
    data_sources: ["sales.csv"],
    complexity: "low",
  },
  plan: {
    steps: [
      { step: 1, action: "Load sales.csv into a DataFrame", inputs: ["sales.csv"], outputs: ["df"] },
      { step: 2, action: "Sum revenue by month and plot it", inputs: ["df"], outputs: ["figure"] },
    ],
  },
};

export interface TaskAnswer extends AnalysisAndPlan {
  code: string;
  /** What the parser had to do to read it ("code had no fences", "JSON repaired: trailing commas"). */
  notes: string[];
}

export type JsonProblem = "json_missing" | "json_broken" | "json_shape";

export type ParsedAnswer =
  | { ok: true; answer: TaskAnswer }
  | {
      ok: false;
      problem: JsonProblem;
      /** In words, for the repair call and for the cell. */
      message: string;
      /** The code, which is fine: the repair call asks for the JSON only. */
      code: string;
      /** The JSON text as the model wrote it (the whole answer when there was none). */
      jsonText: string;
      zodError?: ZodError;
      notes: string[];
    };

/** Reads an answer. Throws ModelRefused (no code, words of refusal) or AnswerFormatError (no code). */
export function parseAnswer(text: string): ParsedAnswer {
  const notes: string[] = [];
  const cleaned = stripThinking(text);
  const blocks = fencedBlocks(cleaned);

  // The JSON: a json fence, then any fence that holds an object with our keys, then bare.
  let jsonText: string | undefined;
  let jsonBlock: Block | undefined = blocks.find((b) => JSON_LANGS.has(b.lang));
  if (!jsonBlock) jsonBlock = blocks.find((b) => b.content.trimStart().startsWith("{") && hasOurKeys(b.content));
  let bare: { start: number; end: number } | undefined;
  if (jsonBlock) jsonText = jsonBlock.content.trim();
  else {
    bare = findBareJson(cleaned, blocks);
    if (bare) jsonText = cleaned.slice(bare.start, bare.end).trim();
  }

  // The code: python fences, joined; else a code string inside the JSON; else unfenced.
  const codeBlocks = blocks.filter(
    (b) => b !== jsonBlock && (PYTHON_LANGS.has(b.lang) || (b.lang === "" && looksLikePython(b.content))),
  );
  let code = codeBlocks.map((b) => b.content.replace(/\s+$/, "")).join("\n\n");
  if (codeBlocks.some((b) => !b.closed)) notes.push("the python block has no closing fence (the answer may have been cut short)");

  let value: unknown;
  let jsonError: string | undefined;
  if (jsonText !== undefined) {
    const parsed = parseJsonLeniently(jsonText);
    if (parsed.ok) {
      value = parsed.value;
      if (parsed.fixes.length) notes.push(`JSON repaired locally: ${parsed.fixes.join(", ")}`);
    } else jsonError = parsed.error;
  }

  if (!code.trim() && value && typeof value === "object") {
    const inJson = codeInJson(value as Record<string, unknown>);
    if (inJson) {
      code = inJson;
      notes.push("the code came inside the JSON");
    }
  }
  if (!code.trim()) {
    let rest = removeSpans(cleaned, [
      ...blocks.map((b) => ({ start: b.start, end: b.end })),
      ...(bare ? [bare] : []),
    ]);
    const found = unfencedCode(rest);
    if (found) {
      code = found;
      notes.push("the code had no fences");
    } else {
      rest = rest.trim();
      const words = rest || cleaned.trim();
      if (isRefusal(words)) throw new ModelRefused(words);
      if (!cleaned.trim()) throw new AnswerFormatError("The model's answer was empty.");
      throw new AnswerFormatError(
        `The model's answer has no Python code. It began: ${JSON.stringify(clip(cleaned, 300))}`,
      );
    }
  }
  code = code.replace(/^\s*\n/, "").replace(/\s+$/, "") + "\n";

  if (jsonText === undefined) {
    return {
      ok: false,
      problem: "json_missing",
      message: "The answer has no JSON with the analysis and the plan.",
      code,
      jsonText: cleaned,
      notes,
    };
  }
  if (jsonError !== undefined) {
    return {
      ok: false,
      problem: "json_broken",
      message: `The JSON with the analysis and the plan does not parse: ${jsonError}`,
      code,
      jsonText,
      notes,
    };
  }
  const checked = checkAnalysisAndPlan(value);
  if (!checked.ok) {
    return {
      ok: false,
      problem: "json_shape",
      message: `The JSON with the analysis and the plan has the wrong shape:\n${checked.message}`,
      code,
      jsonText,
      zodError: checked.error,
      notes,
    };
  }
  return { ok: true, answer: { ...checked.value, code, notes } };
}

/** Normalises and checks a parsed JSON value against the analysis-and-plan schema. */
export function checkAnalysisAndPlan(
  value: unknown,
): { ok: true; value: AnalysisAndPlan } | { ok: false; message: string; error: ZodError } {
  const result = AnalysisAndPlanSchema.safeParse(normalise(value));
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: describeZodError(result.error), error: result.error };
}

/** A zod error as lines a model can act on: `- analysis.task_type: expected one of …, got "foo"`. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 12)
    .map((issue) => {
      const where = issue.path.length ? issue.path.join(".") : "(the whole JSON)";
      let what = issue.message;
      if (issue.code === "invalid_enum_value") {
        what = `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}, not ${JSON.stringify(issue.received)}`;
      } else if (issue.code === "invalid_type") {
        what = issue.received === "undefined" ? `is missing (expected ${issue.expected})` : `must be ${issue.expected}, not ${issue.received}`;
      }
      return `- ${where}: ${what}`;
    })
    .join("\n");
}

/** The messages for the one repair call: the broken JSON, what is wrong, and the schema. The
 * answer is JSON only, so this call may use response_format (json_schema / json_object). */
export function repairPrompt(brokenText: string, zodError: ZodError | string): ChatMessage[] {
  const problem = typeof zodError === "string" ? zodError : describeZodError(zodError);
  return [
    {
      role: "system",
      content:
        "You correct JSON. Reply with one JSON object and nothing else: no prose, no code fences. " +
        "It must have exactly this shape (JSON Schema):\n" +
        JSON.stringify(ANALYSIS_AND_PLAN_JSON_SCHEMA) +
        "\nFor example:\n" +
        JSON.stringify(EXAMPLE_ANALYSIS_AND_PLAN),
    },
    {
      role: "user",
      content:
        `This JSON, the analysis and plan of a task, is not valid:\n${clip(brokenText, 6000)}\n\n` +
        `What is wrong:\n${problem}\n\n` +
        "Write it again, corrected, keeping its meaning. JSON only.",
    },
  ];
}

/** Reads the repair call's answer. Throws AnswerFormatError, in plain words, when it is still unusable. */
export function parseRepairedJson(text: string): AnalysisAndPlan {
  const cleaned = stripThinking(text);
  const blocks = fencedBlocks(cleaned);
  const block = blocks.find((b) => JSON_LANGS.has(b.lang) || b.content.trimStart().startsWith("{"));
  let jsonText = block?.content;
  if (jsonText === undefined) {
    const bare = findBareJson(cleaned, blocks, false);
    jsonText = bare ? cleaned.slice(bare.start, bare.end) : undefined;
  }
  if (jsonText === undefined) {
    throw new AnswerFormatError(
      `The model did not give a usable analysis and plan, even when asked again: its answer has no JSON (${JSON.stringify(clip(cleaned, 200))}).`,
    );
  }
  const parsed = parseJsonLeniently(jsonText);
  if (!parsed.ok) {
    throw new AnswerFormatError(
      `The model did not give a usable analysis and plan, even when asked again: its JSON does not parse (${parsed.error}).`,
    );
  }
  const checked = checkAnalysisAndPlan(parsed.value);
  if (!checked.ok) {
    throw new AnswerFormatError(
      `The model did not give a usable analysis and plan, even when asked again:\n${checked.message}`,
    );
  }
  return checked.value;
}

// ---------------------------------------------------------------------------------------------
// Normalisation: the near misses a model makes, put right before zod judges the shape.

const TASK_TYPE_SYNONYMS: Record<string, (typeof TASK_TYPES)[number]> = {
  visualization: "visualisation",
  visualize: "visualisation",
  visualise: "visualisation",
  plot: "visualisation",
  plotting: "visualisation",
  chart: "visualisation",
  data_analysis: "analysis",
  report: "report_generation",
  reporting: "report_generation",
  webapp: "web_app",
  web_application: "web_app",
  web: "web_app",
  calc: "calculation",
  computation: "calculation",
  data_processing: "data_processing",
  processing: "data_processing",
  data_transformation: "data_processing",
};

const COMPLEXITY_SYNONYMS: Record<string, (typeof COMPLEXITIES)[number]> = {
  simple: "low",
  easy: "low",
  trivial: "low",
  basic: "low",
  moderate: "medium",
  intermediate: "medium",
  average: "medium",
  complex: "high",
  hard: "high",
  difficult: "high",
  advanced: "high",
};

function normalise(value: unknown): unknown {
  if (!isObject(value)) return value;
  const root: Record<string, unknown> = { ...value };
  // A flattened answer: the analysis fields and the steps at the top level.
  if (root.analysis === undefined && "task_type" in root) root.analysis = { ...root };
  if (root.plan === undefined && root.steps !== undefined) root.plan = { steps: root.steps };
  if (Array.isArray(root.plan)) root.plan = { steps: root.plan };

  if (isObject(root.analysis)) {
    const a: Record<string, unknown> = { ...root.analysis };
    if (typeof a.task_type === "string") {
      const key = a.task_type.trim().toLowerCase().replace(/[\s-]+/g, "_");
      a.task_type = TASK_TYPE_SYNONYMS[key] ?? key;
    }
    if (typeof a.complexity === "string") {
      const key = a.complexity.trim().toLowerCase();
      a.complexity = COMPLEXITY_SYNONYMS[key] ?? key;
    }
    for (const flag of ["needs_web_interface", "needs_simulation"]) a[flag] = booleanish(a[flag]);
    a.data_sources = listOfStrings(a.data_sources);
    root.analysis = a;
  }
  if (isObject(root.plan)) {
    const p: Record<string, unknown> = { ...root.plan };
    if (Array.isArray(p.steps)) {
      p.steps = p.steps.map((step, i) => {
        if (typeof step === "string") return { step: i + 1, action: step, inputs: [], outputs: [] };
        if (!isObject(step)) return step;
        const s: Record<string, unknown> = { ...step };
        if (s.step === undefined || s.step === null) s.step = i + 1;
        else if (typeof s.step === "string" && /^\s*\d+\s*$/.test(s.step)) s.step = Number(s.step);
        if (s.action === undefined && typeof s.description === "string") s.action = s.description;
        s.inputs = listOfStrings(s.inputs);
        s.outputs = listOfStrings(s.outputs);
        return s;
      });
    }
    root.plan = p;
  }
  return root;
}

function booleanish(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim().toLowerCase();
  if (["true", "yes", "y"].includes(text)) return true;
  if (["false", "no", "n", "none"].includes(text)) return false;
  return value;
}

function listOfStrings(value: unknown): unknown {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value.trim() ? [value] : [];
  if (Array.isArray(value)) return value.map((v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v));
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function codeInJson(value: Record<string, unknown>): string | undefined {
  for (const key of ["code", "python", "python_code", "script"]) {
    const v = value[key];
    if (typeof v === "string" && v.trim()) return stripFences(v);
  }
  return undefined;
}

function stripFences(code: string): string {
  const blocks = fencedBlocks(code);
  return blocks.length ? blocks.map((b) => b.content).join("\n\n") : code;
}

// ---------------------------------------------------------------------------------------------
// Text: thinking, fences, bare JSON, unfenced code, refusals.

function stripThinking(text: string): string {
  let out = text.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, "");
  // An unclosed block at the start: everything up to the first fence or brace is thought.
  const open = /^\s*<(think|thinking|reasoning)>/i.exec(out);
  if (open) out = out.slice(open[0].length);
  return out;
}

interface Block {
  lang: string;
  content: string;
  /** Offsets of the whole block (fences included) in the text. */
  start: number;
  end: number;
  closed: boolean;
}

const JSON_LANGS = new Set(["json", "jsonc", "json5"]);
const PYTHON_LANGS = new Set(["python", "py", "python3", "ipython", "ipython3", "pycon"]);

/** Fenced blocks (``` or ~~~), line by line; an unclosed last block runs to the end. */
function fencedBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  let offset = 0;
  let open: { fence: string; lang: string; start: number; contentStart: number; lines: string[] } | undefined;
  for (const line of lines) {
    const lineStart = offset;
    offset += line.length + 1;
    if (!open) {
      const m = /^\s*(`{3,}|~{3,})\s*([\w+.-]*)/.exec(line);
      if (m) open = { fence: m[1]!, lang: (m[2] ?? "").toLowerCase(), start: lineStart, contentStart: offset, lines: [] };
      continue;
    }
    const trimmed = line.trim();
    const fenceChar = open.fence[0]!;
    const closes = trimmed.length >= open.fence.length && [...trimmed].every((c) => c === fenceChar);
    // A closing fence glued to the last line of code: `print(x)```.
    const glued = !closes && trimmed.endsWith(open.fence) && !trimmed.startsWith(fenceChar);
    if (closes || glued) {
      if (glued) open.lines.push(line.slice(0, line.lastIndexOf(open.fence)));
      blocks.push({ lang: open.lang, content: open.lines.join("\n"), start: open.start, end: Math.min(offset, text.length), closed: true });
      open = undefined;
    } else open.lines.push(line);
  }
  if (open) blocks.push({ lang: open.lang, content: open.lines.join("\n"), start: open.start, end: text.length, closed: false });
  return blocks;
}

function hasOurKeys(text: string): boolean {
  return /["']?(analysis|plan|task_type|steps)["']?\s*:/.test(text);
}

/** The first {...} outside fences that holds our keys; a truncated one runs to the end. */
function findBareJson(text: string, blocks: Block[], needKeys = true): { start: number; end: number } | undefined {
  const inBlock = (i: number) => blocks.some((b) => i >= b.start && i < b.end);
  for (let i = text.indexOf("{"); i >= 0; i = text.indexOf("{", i + 1)) {
    if (inBlock(i)) continue;
    const end = balancedEnd(text, i, blocks);
    const candidate = text.slice(i, end);
    if (!needKeys || hasOurKeys(candidate)) return { start: i, end };
  }
  return undefined;
}

/** Where the object that opens at `start` closes (strings respected); the text's end, or the
 * next fence, when it never does. */
function balancedEnd(text: string, start: number, blocks: Block[]): number {
  const nextBlock = blocks.filter((b) => b.start > start).map((b) => b.start);
  const limit = nextBlock.length ? Math.min(...nextBlock) : text.length;
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < limit; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"') quote = c;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return limit;
}

function removeSpans(text: string, spans: { start: number; end: number }[]): string {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const span of sorted) {
    if (span.start > at) out += text.slice(at, span.start);
    at = Math.max(at, span.end);
    out += "\n";
  }
  return out + text.slice(at);
}

const STRONG_CODE = [
  /^(import\s+[\w.]+|from\s+[\w.]+\s+import\s+\S)/,
  /^(def|class)\s+\w+.*:\s*(#.*)?$/,
  /^(for|while|if|with|try|elif|else|except|finally)\b.*:\s*(#.*)?$/,
  /^[A-Za-z_][\w.]*(\[[^\]]*\])?(\s*,\s*[A-Za-z_]\w*)*\s*(=|\+=|-=|\*=|\/=)\s*\S/,
  /^(print|display|plt\.\w+|[A-Za-z_][\w.]*)\(.*\)\s*(#.*)?$/,
  /^(return|raise|assert|del|global|nonlocal|pass|break|continue)\b/,
  /^@\w/,
];

function isCodeLine(line: string): boolean {
  const t = line.trim();
  if (!t) return false;
  if (t.startsWith("#")) return true;
  return STRONG_CODE.some((re) => re.test(t));
}

function looksLikePython(text: string): boolean {
  const lines = text.split("\n").filter((l) => l.trim());
  if (!lines.length) return false;
  const code = lines.filter(isCodeLine).length;
  return code >= Math.max(1, Math.ceil(lines.length / 3)) && lines.some((l) => isCodeLine(l) && !l.trim().startsWith("#"));
}

/** Python with no fences: the longest run of lines that read as code (indented lines, blank
 * lines and the insides of open brackets belong to the run). Prose lines end it. */
function unfencedCode(text: string): string | undefined {
  const lines = text.split("\n");
  let best: { from: number; to: number; strong: number } | undefined;
  let i = 0;
  while (i < lines.length) {
    if (!isCodeLine(lines[i]!) || lines[i]!.trim().startsWith("#") && !nextIsCode(lines, i)) {
      i++;
      continue;
    }
    let depth = 0;
    let j = i;
    let last = i;
    let strong = 0;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      const t = line.trim();
      const continues = depth > 0 || /^\s+\S/.test(line) || !t || isCodeLine(line) || /^[)\]}]/.test(t);
      if (!continues) break;
      if (t) last = j;
      if (isCodeLine(line) && !t.startsWith("#")) strong++;
      depth = Math.max(0, depth + bracketDelta(line));
    }
    if (strong > 0 && (!best || last - i > best.to - best.from)) best = { from: i, to: last, strong };
    i = j + 1;
  }
  if (!best) return undefined;
  return lines.slice(best.from, best.to + 1).join("\n");
}

function nextIsCode(lines: string[], i: number): boolean {
  for (let j = i + 1; j < lines.length; j++) {
    if (!lines[j]!.trim()) continue;
    return isCodeLine(lines[j]!);
  }
  return false;
}

function bracketDelta(line: string): number {
  let delta = 0;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "#") break;
    if (c === '"' || c === "'") quote = c;
    else if ("([{".includes(c)) delta++;
    else if (")]}".includes(c)) delta--;
  }
  return delta;
}

const REFUSAL =
  /\b(I\s+(can(?:'|’)?t|cannot|can not|won(?:'|’)?t|will not|am unable to|am not able to|must decline)|I'm\s+(unable|not able|sorry,? but)|As an AI|I apologi[sz]e,? but|I'm afraid I)\b/i;

function isRefusal(text: string): boolean {
  return REFUSAL.test(text);
}

// ---------------------------------------------------------------------------------------------
// Lenient JSON: strict first, then a forgiving reader that lists what it had to forgive.

export type LenientResult = { ok: true; value: unknown; fixes: string[] } | { ok: false; error: string };

export function parseJsonLeniently(text: string): LenientResult {
  const trimmed = text.trim();
  try {
    return { ok: true, value: JSON.parse(trimmed), fixes: [] };
  } catch (err) {
    const strictError = (err as Error).message;
    try {
      const reader = new LooseJson(trimmed);
      const value = reader.read();
      return { ok: true, value, fixes: [...reader.fixes] };
    } catch {
      return { ok: false, error: strictError };
    }
  }
}

class LooseFailure extends Error {}

class LooseJson {
  readonly fixes = new Set<string>();
  private i = 0;

  constructor(private readonly s: string) {}

  read(): unknown {
    this.space();
    if (this.s[this.i] !== "{" && this.s[this.i] !== "[") throw new LooseFailure("not an object");
    const value = this.value();
    return value;
  }

  private get eof(): boolean {
    return this.i >= this.s.length;
  }

  private space(): void {
    for (;;) {
      while (!this.eof && /\s/.test(this.s[this.i]!)) this.i++;
      if (this.s.startsWith("//", this.i) || this.s[this.i] === "#") {
        this.fixes.add("comments");
        while (!this.eof && this.s[this.i] !== "\n") this.i++;
      } else if (this.s.startsWith("/*", this.i)) {
        this.fixes.add("comments");
        const end = this.s.indexOf("*/", this.i + 2);
        this.i = end < 0 ? this.s.length : end + 2;
      } else return;
    }
  }

  private value(): unknown {
    this.space();
    if (this.eof) throw new LooseFailure("truncated before a value");
    const c = this.s[this.i]!;
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"' || c === "'" || c === "“" || c === "‘") return this.string();
    if (/[-+.\d]/.test(c)) return this.number();
    const word = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i))?.[0];
    if (word) {
      const literals: Record<string, unknown> = { true: true, false: false, null: null, True: true, False: false, None: null };
      if (word in literals) {
        if (!(word in { true: 1, false: 1, null: 1 })) this.fixes.add("Python literals");
        this.i += word.length;
        return literals[word];
      }
    }
    throw new LooseFailure(`unexpected ${JSON.stringify(c)}`);
  }

  private object(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.space();
      if (this.eof) {
        this.fixes.add("a truncated end");
        return out;
      }
      const c = this.s[this.i]!;
      if (c === "}") {
        this.i++;
        return out;
      }
      if (c === ",") {
        this.i++;
        this.space();
        if (this.s[this.i] === "}") this.fixes.add("trailing commas");
        continue;
      }
      let key: string;
      if (c === '"' || c === "'" || c === "“" || c === "‘") {
        key = this.string();
      } else {
        const word = /^[A-Za-z_$][\w$-]*/.exec(this.s.slice(this.i))?.[0];
        if (!word) throw new LooseFailure(`unexpected ${JSON.stringify(c)} in an object`);
        this.fixes.add("unquoted keys");
        this.i += word.length;
        key = word;
      }
      this.space();
      if (this.eof) {
        this.fixes.add("a truncated end");
        return out;
      }
      if (this.s[this.i] !== ":") throw new LooseFailure(`expected ":" after ${JSON.stringify(key)}`);
      this.i++;
      this.space();
      if (this.eof) {
        this.fixes.add("a truncated end");
        return out;
      }
      out[key] = this.value();
      this.afterMember("}");
    }
  }

  private array(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.space();
      if (this.eof) {
        this.fixes.add("a truncated end");
        return out;
      }
      const c = this.s[this.i]!;
      if (c === "]") {
        this.i++;
        return out;
      }
      if (c === ",") {
        this.i++;
        this.space();
        if (this.s[this.i] === "]") this.fixes.add("trailing commas");
        continue;
      }
      out.push(this.value());
      this.afterMember("]");
    }
  }

  /** After a member: a comma, the closing bracket, the end (truncated) or a missing comma. */
  private afterMember(close: string): void {
    this.space();
    if (this.eof) return;
    const c = this.s[this.i]!;
    if (c === "," || c === close) return;
    if (c === "}" || c === "]") throw new LooseFailure(`mismatched ${c}`);
    this.fixes.add("missing commas");
  }

  private string(): string {
    const open = this.s[this.i]!;
    const close = open === "“" ? "”" : open === "‘" ? "’" : open;
    if (open !== '"') this.fixes.add(open === "'" ? "single quotes" : "typographic quotes");
    this.i++;
    let out = "";
    while (!this.eof) {
      const c = this.s[this.i]!;
      if (c === "\\") {
        const next = this.s[this.i + 1];
        if (next === undefined) break;
        if (next === "u") {
          const hex = this.s.slice(this.i + 2, this.i + 6);
          if (/^[0-9a-fA-F]{4}$/.test(hex)) {
            out += String.fromCharCode(parseInt(hex, 16));
            this.i += 6;
            continue;
          }
        }
        const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "/": "/", "\\": "\\", '"': '"', "'": "'" };
        out += escapes[next] ?? next;
        this.i += 2;
        continue;
      }
      if (c === close) {
        this.i++;
        return out;
      }
      if (c === "\n" && open !== '"') {
        // A quote-less apostrophe case like 'it's': cannot be read safely.
        throw new LooseFailure("a string runs past the end of its line");
      }
      out += c;
      this.i++;
    }
    this.fixes.add("a truncated end");
    return out;
  }

  private number(): number {
    const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) throw new LooseFailure("a bad number");
    this.i += m[0].length;
    return Number(m[0]);
  }
}
