// What a model's answer says so far, while it streams: the plan's steps and the code as far as
// they have come, for the cell to show as a list and as code instead of the raw text. It reads
// with the same parts as the final reader (answer-text.ts, code-choice.ts, answer-plan.ts), so
// what shows while the answer streams is what the final outputs then show; but it never throws
// and never refuses: a half-written fence, an unclosed `<think>`, half a JSON object or a tool
// call's half-sent arguments give what can be read of them, and nothing more.
//
// While the answer streams:
//   - `<think>` that has not closed yet: the model is reasoning; nothing after it is shown.
//   - A last line that may be the start of a fence or a tag (`` ` ``, ``` `` ```, `</thi`) is left
//     out until it is complete.
//   - Steps come from the list items of the words before the code, from the JSON plan's
//     `"action"` strings (LUCI_TASK_PROMPT=json), or from the code's own comment lines (the
//     default prompt); only lines that are complete count, so a step never shows half written.
//     Lines of prose that are not list items become steps only once the code has begun: before
//     that they may be reasoning whose `</think>` has not come (a chat template that opened it).
//   - Code: the program chosen among the python blocks so far (code-choice.ts), else the block
//     being written, else the code of a tool call's arguments (`{"code": "…` decoded as far as it came).
import { planFromAnswer } from "./answer-plan.js";
import { fencedBlocks, plainLineEnds, removeSpans, type Block } from "./answer-text.js";
import { candidates, chooseProgram } from "./code-choice.js";

export interface PartialAnswer {
  /** The model is inside a `<think>` block that has not closed. */
  reasoning: boolean;
  /** The plan's steps so far, in words. */
  steps: string[];
  /** The code so far ("" when none has come). */
  code: string;
  /** Some answer text has come, though perhaps nothing that reads as steps or code yet. */
  writing: boolean;
}

const EMPTY: PartialAnswer = { reasoning: false, steps: [], code: "", writing: false };
/** Longer answers are read from their end: the reading runs at every redraw. */
const MAX_READ = 60_000;
const TAGS = ["<think>", "<thinking>", "<reasoning>", "</think>", "</thinking>", "</reasoning>"];
const CODE_KEYS = ["code", "python", "python_code", "source", "script", "program", "cell", "input", "content"];

/** The answer so far (its text and a tool call's arguments so far), read without ever throwing. */
export function readPartialAnswer(text: string, toolArguments = ""): PartialAnswer {
  try {
    return read(text.length > MAX_READ ? text.slice(-MAX_READ) : text, toolArguments);
  } catch {
    // A reader's mistake must not stop the stream: the cell then shows that the model is writing.
    return { ...EMPTY, writing: text.trim() !== "" || toolArguments.trim() !== "" };
  }
}

function read(raw: string, toolArguments: string): PartialAnswer {
  const { text, reasoning } = withoutOpenReasoning(withoutUnfinishedLine(plainLineEnds(raw)));
  const blocks = fencedBlocks(text);
  const pythonish = blocks.filter((b) => !isJsonBlock(b));
  let code = programSoFar(text, pythonish);
  if (!code && toolArguments.trim()) code = codeOfArguments(toolArguments);
  const firstCode = pythonish.find((b) => b.content.trim() || !b.closed);
  const prose = (firstCode ? text.slice(0, firstCode.start) : text).split("\n");
  // The last line of prose is complete only when a block follows it.
  const completeProse = (firstCode ? prose : prose.slice(0, -1)).join("\n");
  let steps = jsonActions(removeSpans(text, pythonish));
  if (!steps.length) steps = listSteps(completeProse);
  if (!steps.length && firstCode) steps = planFromAnswer(completeProse, completeLines(code)).map((s) => s.action);
  if (!steps.length && code) steps = planFromAnswer("", completeLines(code)).map((s) => s.action);
  return { reasoning, steps, code, writing: text.trim() !== "" || toolArguments.trim() !== "" };
}

/** Without a last line that may be the start of a fence or a reasoning tag. */
function withoutUnfinishedLine(text: string): string {
  const at = text.lastIndexOf("\n") + 1;
  const last = text.slice(at);
  if (/^\s*[`~]{1,2}$/.test(last)) return text.slice(0, at);
  const tag = /<\/?[a-z]*$/i.exec(last);
  if (tag && TAGS.some((t) => t.startsWith(tag[0].toLowerCase()) && t !== tag[0].toLowerCase())) return text.slice(0, at + tag.index);
  return text;
}

/**
 * Closed `<think>` blocks out, and text before a lone `</think>` (the template opened the tag);
 * an opening tag that has not closed yet: the model is still reasoning, so the rest is left out.
 */
function withoutOpenReasoning(text: string): { text: string; reasoning: boolean } {
  let out = text;
  const close = /<\/(think|thinking|reasoning)>/i.exec(out);
  if (close && !/<(think|thinking|reasoning)>/i.test(out.slice(0, close.index))) out = out.slice(close.index + close[0].length);
  out = out.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, "");
  const open = /<(think|thinking|reasoning)>/i.exec(out);
  return open ? { text: out.slice(0, open.index), reasoning: true } : { text: out, reasoning: false };
}

function isJsonBlock(block: Block): boolean {
  return ["json", "jsonc", "json5"].includes(block.lang) || (block.lang === "" && block.content.trimStart().startsWith("{"));
}

/** The program as far as it came: the final reader's choice among the blocks, else the last block being written. */
function programSoFar(text: string, blocks: Block[]): string {
  if (!blocks.length) return "";
  const choice = chooseProgram(candidates(text, blocks));
  if (choice?.code.trim()) return choice.code.replace(/\s+$/, "");
  const open = blocks.at(-1)!;
  return !open.closed && !/^(bash|sh|shell|console|text|markdown|md)$/.test(open.lang) ? open.content : "";
}

/** The code's lines that are complete (the last one may still be growing). */
function completeLines(code: string): string {
  const at = code.lastIndexOf("\n");
  return at < 0 ? "" : code.slice(0, at);
}

/** Top-level list items of the words before the code (`1. …`, `- …`). */
function listSteps(prose: string): string[] {
  if (!/^\s*(?:\d{1,3}[.)]|[-*+•])\s+\S/m.test(prose)) return [];
  return planFromAnswer(prose, "").map((s) => s.action);
}

/** The complete `"action": "…"` strings of a JSON plan, in order. */
function jsonActions(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"action"\s*:\s*"((?:[^"\\\n]|\\.)*)"/g)) {
    const action = decodeJsonString(m[1]!).trim();
    if (action) out.push(action);
  }
  return out.slice(0, 12);
}

/** A tool call's arguments so far: the string of its code field (`{"code": "…`) decoded as far as it came, or the code itself. */
function codeOfArguments(args: string): string {
  const trimmed = args.trimStart();
  if (!trimmed.startsWith("{")) return trimmed.replace(/\s+$/, "");
  const key = new RegExp(`"(?:${CODE_KEYS.join("|")})"\\s*:\\s*"`).exec(trimmed);
  return key ? decodeJsonString(trimmed.slice(key.index + key[0].length)).replace(/\s+$/, "") : "";
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "/": "/", "\\": "\\", '"': '"' };

/** The body of a JSON string up to its closing quote or the end, escapes decoded (an escape cut off at the end is left out). */
function decodeJsonString(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') break;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) break;
    if (next === "u") {
      const hex = body.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) break;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 5;
    } else {
      out += ESCAPES[next] ?? next;
      i += 1;
    }
  }
  return out;
}
