// Reads the model's answer to a task: the code to run, the plan to show, the analysis.
//
// The answer the task prompt asks for (prompt.ts) is what real models write when asked for
// code: a short plan in words, then one ```python block. The reader takes it in all the shapes
// real models and servers give it (answer-text.ts: line ends, reasoning, fences anywhere,
// indented fences; code-choice.ts: which of several python blocks is the program), and also:
//   - code sent as a tool or function call (`{"code": "…"}` or the code itself);
//   - code with no fences at all (unfenced-code.ts), or in a `code` field of a JSON answer;
//   - an analysis-and-plan JSON object (the `json` task prompt; large models sometimes write one
//     unasked): used when zod accepts it, ignored with a note otherwise. Never a second call.
// The plan is otherwise read from the words before the code (answer-plan.ts) and the analysis
// from the code (code-analysis.ts).
//
// A mistake of the reader must never look like a mistake of the model: code that still holds a
// fence line or a reasoning tag is refused here, not handed to the validation gate. An answer
// that cannot be used throws UnusableAnswer, whose message says what was wrong and offers
// `%luci regenerate`, and which carries the raw answer for the cell to show folded; an answer
// with no code and words of refusal throws ModelRefused.
import { isObject } from "../../common/json-file.js";
import { checkAnalysisAndPlan, describeZodError } from "./answer-check.js";
import { planFromAnswer } from "./answer-plan.js";
import type { AnalysisAndPlan, TaskAnswer } from "./answer-schema.js";
import { JSON_LANGS, fencedBlocks, findBareJson, hasOurKeys, isFenceLine, plainLineEnds, removeSpans, withoutReasoning, type Block } from "./answer-text.js";
import { analyseCode } from "./code-analysis.js";
import { candidates, chooseProgram } from "./code-choice.js";
import { AnswerFormatError, ModelRefused, clip } from "./errors.js";
import { parseJsonLeniently } from "./lenient-json.js";
import { scanPython } from "./python-scan.js";
import type { ToolCall } from "./types.js";
import { looksLikePython, unfencedCode } from "./unfenced-code.js";

/** An answer Luci cannot use. The message says why in words; `rawText` is the answer as it came. */
export class UnusableAnswer extends AnswerFormatError {
  constructor(
    what: string,
    readonly rawText: string,
  ) {
    super(
      `Luci could not use the model's answer: ${what}. The answer is shown above, folded. ` +
        "To ask the model again, run the cell with `%luci regenerate` as its first line.",
    );
  }
}

export interface AnswerInput {
  /** The answer's text (its content; reasoning sent apart is not part of it). */
  text: string;
  /** Tool or function calls the answer made. */
  toolCalls?: ToolCall[];
  /** Why the stream ended; null when it ended with no finish_reason at all (a server cut it off:
   * llama-cpp-python does when another request arrives). Absent: not known. */
  finishReason?: string | null;
}

export function parseAnswer(input: string | AnswerInput): TaskAnswer {
  const { text: content, toolCalls = [], finishReason } = typeof input === "string" ? { text: input } : input;
  // The answer as it came, for the cell to show when it cannot be used: its tool calls too.
  const raw = [content, ...toolCalls.map((c) => `[tool call ${c.name}: ${c.arguments}]`)].filter(Boolean).join("\n\n");
  const notes: string[] = [];
  const reasoning = withoutReasoning(plainLineEnds(content));
  notes.push(...reasoning.notes);
  const text = reasoning.text;
  const blocks = fencedBlocks(text);
  const json = planJson(text, blocks);
  if (json.note) notes.push(json.note);

  let code: string | undefined;
  let prose = "";
  const tool = codeFromToolCalls(toolCalls);
  if (tool) {
    code = tool.code;
    prose = removeSpans(text, blocks);
    notes.push(`the code came as a call of the tool ${JSON.stringify(tool.name)}`, ...tool.notes);
  } else {
    const choice = chooseProgram(
      candidates(
        text,
        blocks.filter((b) => b !== json.block),
      ),
    );
    if (choice) {
      if (choice.cutOff) throw new UnusableAnswer("its python block has no closing fence and its code stops mid-statement, so the answer was cut off", raw);
      if (finishReason === null && choice.blocks.some((b) => !b.closed)) {
        throw new UnusableAnswer("the stream ended inside its python block, with no closing fence and no finish reason, so the answer was cut off", raw);
      }
      code = choice.code;
      notes.push(...choice.notes);
      const end = choice.blocks.at(-1)!.end;
      prose = removeSpans(
        text.slice(0, end),
        [...blocks, ...(json.span ? [json.span] : [])].filter((s) => s.start < end),
      );
    } else if (json.code) {
      code = json.code;
      notes.push("the code came inside the JSON");
    } else {
      const rest = removeSpans(text, [...blocks, ...(json.span ? [json.span] : [])]);
      const found = unfencedCode(rest);
      if (!found) throw noCode(raw, text, rest, blocks);
      code = found;
      prose = rest.slice(0, rest.indexOf(found));
      notes.push("the code had no fences");
    }
  }

  const problem = uncleanLine(code);
  if (problem) throw new UnusableAnswer(problem, raw);
  code = code.replace(/^\s*\n/, "").replace(/\s+$/, "") + "\n";
  const plan: AnalysisAndPlan = json.value ?? { analysis: analyseCode(code), plan: { steps: planFromAnswer(prose, code) } };
  return { ...plan, code, notes };
}

/** The analysis-and-plan JSON an answer may carry, fenced or bare: its value when zod accepts it. */
function planJson(
  text: string,
  blocks: Block[],
): { block?: Block; span?: { start: number; end: number }; value?: AnalysisAndPlan; code?: string; note?: string } {
  const block = blocks.find((b) => (JSON_LANGS.has(b.lang) || (b.lang === "" && b.content.trimStart().startsWith("{"))) && hasOurKeys(b.content));
  const span = block ? undefined : findBareJson(text, blocks);
  const jsonText = block ? block.content : span ? text.slice(span.start, span.end) : undefined;
  if (jsonText === undefined) return {};
  const parsed = parseJsonLeniently(jsonText);
  if (!parsed.ok) {
    return { block, span, note: `the answer's analysis-and-plan JSON did not parse (${parsed.error}), so the plan shown is read from the rest of the answer` };
  }
  const code = codeInJson(parsed.value);
  const checked = checkAnalysisAndPlan(parsed.value);
  if (!checked.ok) {
    const first = describeZodError(checked.error).split("\n")[0]!.replace(/^- /, "");
    return {
      block,
      span,
      code,
      note: `the answer's analysis-and-plan JSON had the wrong shape (${first}), so the plan shown is read from the rest of the answer`,
    };
  }
  return { block, span, code, value: checked.value };
}

function codeInJson(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  for (const key of ["code", "python", "python_code", "script"]) {
    const v = value[key];
    if (typeof v === "string" && v.trim()) return codeOfString(v)?.code;
  }
  return undefined;
}

/** Code in a string (a JSON field, a tool call's argument): its python block if it is fenced, else itself. */
function codeOfString(text: string): { code: string; notes: string[] } | undefined {
  const plain = plainLineEnds(text);
  const blocks = fencedBlocks(plain);
  if (blocks.length) {
    const choice = chooseProgram(candidates(plain, blocks));
    return choice && !choice.cutOff ? { code: choice.code, notes: choice.notes } : undefined;
  }
  return plain.trim() ? { code: plain, notes: [] } : undefined;
}

const CODE_KEYS = ["code", "python", "python_code", "source", "script", "program", "cell", "input", "content"];

/** The code of the first tool call that carries some: `{"code": "…"}` (any of CODE_KEYS), or the code itself. */
function codeFromToolCalls(calls: ToolCall[]): { name: string; code: string; notes: string[] } | undefined {
  for (const call of calls) {
    const parsed = parseJsonLeniently(call.arguments);
    let found: { code: string; notes: string[] } | undefined;
    if (parsed.ok && isObject(parsed.value)) {
      const args = parsed.value;
      const code = CODE_KEYS.map((k) => args[k]).find((v): v is string => typeof v === "string" && v.trim() !== "");
      if (code !== undefined) found = codeOfString(code);
    } else if (!parsed.ok && looksLikePython(call.arguments)) {
      // gpt-oss's built-in python tool sends the code itself as the arguments.
      found = codeOfString(call.arguments);
    }
    if (found) return { name: call.name, ...found };
  }
  return undefined;
}

/** What makes code unfit for the gate: a fence line or a reasoning tag left in it (a reader's mistake). */
function uncleanLine(code: string): string | undefined {
  const lines = scanPython(code).lines;
  for (const [i, line] of lines.entries()) {
    if (line.inString) continue;
    if (isFenceLine(line.masked)) {
      return `the code read from it still holds a Markdown fence (line ${i + 1}: ${JSON.stringify(clip(line.text, 60))}), so its fences could not be paired`;
    }
    if (/^\s*<\/?(think|thinking|reasoning)>\s*$/i.test(line.text)) {
      return `the code read from it still holds a reasoning tag (line ${i + 1}: ${JSON.stringify(line.text.trim())})`;
    }
  }
  return undefined;
}

const REFUSAL =
  /\b(I\s+(can(?:'|’)?t|cannot|can not|won(?:'|’)?t|will not|am unable to|am not able to|must decline)|I'm\s+(unable|not able|sorry,? but)|As an AI|I apologi[sz]e,? but|I'm afraid I)\b/i;

/** The error for an answer with no code: a refusal, an empty answer, unpaired fences, or words only. */
function noCode(raw: string, text: string, rest: string, blocks: Block[]): Error {
  const words = rest.trim() || text.trim();
  if (words && REFUSAL.test(words)) return new ModelRefused(words);
  if (!raw.trim()) return new UnusableAnswer("the answer was empty", raw);
  if (!text.trim()) return new UnusableAnswer("the answer held only the model's reasoning, and no code after it", raw);
  if (blocks.some((b) => !b.closed)) {
    return new UnusableAnswer("its fences do not pair up (a ``` block never closes and holds no Python), so the code cannot be told from the text", raw);
  }
  return new UnusableAnswer("it has no Python code (no ```python block, and no lines that read as code)", raw);
}
