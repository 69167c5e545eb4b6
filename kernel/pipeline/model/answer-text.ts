// The text of a model's answer, read as real models and servers write it: line ends made plain,
// reasoning taken off, fenced blocks found wherever a model opens them, and a bare JSON object
// found in the prose (the plan of the old answer format). Offsets are kept so that the parser
// can tell which prose came before which block.
//
// Fences, as Markdown reads them and as models write them:
//   - a fence at the start of a line, at any indentation (```python, ~~~, ````);
//   - a fence after a list marker: `1. ```python` (Qwen2.5-Coder copies a numbered format);
//   - a fence at the end of a line of prose: `Here is the code: ```python`;
//   - fences indented under list items: the block's common indentation is removed, as Markdown
//     does (lines inside a triple-quoted string keep theirs);
//   - inside a block, a line that starts with the block's fence closes it; if a language name
//     follows (```python with no closing fence before it), the block closes and a new one
//     opens; other text after the fence is prose. A fence glued to the last line of code
//     (`print(x)```) closes the block too. A line starting with a fence is never code.
import { scanPython } from "./python-scan.js";

export function plainLineEnds(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

const THINK_TAGS = "think|thinking|reasoning";

/**
 * The answer without its reasoning. `<think>…</think>` blocks go wherever they are. A closing
 * tag with no opening one before it means the answer began inside the reasoning (the chat
 * template opened the tag: DeepSeek-R1 distills, QwQ): everything before it is reasoning. An
 * opening tag that never closes leaves the text after it, with a note.
 */
export function withoutReasoning(text: string): { text: string; notes: string[] } {
  const notes: string[] = [];
  let out = text;
  const close = new RegExp(`</(${THINK_TAGS})>`, "i").exec(out);
  if (close && !new RegExp(`<(${THINK_TAGS})>`, "i").test(out.slice(0, close.index))) {
    out = out.slice(close.index + close[0].length);
  }
  out = out.replace(new RegExp(`<(${THINK_TAGS})>[\\s\\S]*?</\\1>`, "gi"), "");
  const open = new RegExp(`<(${THINK_TAGS})>`, "i").exec(out);
  if (open) {
    out = out.slice(0, open.index) + out.slice(open.index + open[0].length);
    notes.push("the model's reasoning never closed (no </think>), so its text was read as the answer");
  }
  return { text: out, notes };
}

export interface Block {
  /** The language after the fence, lower case ("" when none). */
  lang: string;
  /** The lines between the fences, their common indentation removed. */
  content: string;
  /** Offsets of the whole block (its fence lines included) in the text. */
  start: number;
  end: number;
  /** False when no closing fence came: the block runs to the end of the text. */
  closed: boolean;
  /** The opening fence (```, ````, ~~~): a line of content starting with it is not code. */
  fence: string;
}

export const JSON_LANGS = new Set(["json", "jsonc", "json5"]);
export const PYTHON_LANGS = new Set(["python", "py", "python3", "ipython", "ipython3", "pycon"]);

const LIST_MARKER = String.raw`(?:[-*+•]|\d{1,3}[.)])`;
/** A fence that starts a line: indentation, the fence, the first word of the info string. */
const FENCE_LINE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
/** A fence after a list marker: `1. ```python`, `- ```` (perhaps after a bold label). Inside a
 * block it closes the block and opens another; outside, PROSE_FENCE finds it. */
const LIST_FENCE = new RegExp(String.raw`^(\s*)${LIST_MARKER}\s+(?:\*\*[^*]*\*\*:?\s*)?(\`{3,}|~{3,})\s*([\w+#.-]*)\s*$`);
/** A fence ending a line of prose: `Here is the code: ```python`. */
const PROSE_FENCE = /(?:^|[\s:(>])(`{3,}|~{3,})([\w+#.-]*)\s*$/;

interface Opener {
  fence: string;
  lang: string;
}

/** The fence a line opens, if it opens one. */
function opener(line: string): Opener | undefined {
  const m = FENCE_LINE.exec(line);
  if (m) return { fence: m[2]!, lang: m[3]!.toLowerCase() };
  // After a list marker or at the end of a sentence (`1. ```python`, `Here it is: ```python`).
  const p = PROSE_FENCE.exec(line);
  if (!p) return undefined;
  // An even number of ``` runs on the line is inline code (```x```), not a fence.
  const runs = (line.match(/`{3,}/g) ?? []).length;
  return p[1]!.startsWith("~") || runs % 2 === 1 ? { fence: p[1]!, lang: p[2]!.toLowerCase() } : undefined;
}

/** What a line inside an open block does to it. */
function insideLine(line: string, fence: string): { kind: "content" } | { kind: "close"; reopen?: Opener; glued?: string } {
  const trimmed = line.trim();
  const char = fence[0]!;
  const run = /^(`{3,}|~{3,})(.*)$/.exec(trimmed);
  if (run && run[1]![0] === char && run[1]!.length >= fence.length) {
    const rest = run[2]!.trim();
    if (!rest) return { kind: "close" };
    // ```python with no closing fence before it: the model forgot one.
    if (/^[\w+#.-]+$/.test(rest)) return { kind: "close", reopen: { fence: run[1]!, lang: rest.toLowerCase() } };
    return { kind: "close" }; // the rest of the line is prose
  }
  const list = LIST_FENCE.exec(line);
  if (list && list[2]![0] === char) return { kind: "close", reopen: { fence: list[2]!, lang: list[3]!.toLowerCase() } };
  // A closing fence glued to the last line of code: `print(x)```.
  if (trimmed.endsWith(fence) && !trimmed.startsWith(char) && !trimmed.endsWith(char.repeat(fence.length + 1))) {
    return { kind: "close", glued: line.slice(0, line.lastIndexOf(fence)) };
  }
  return { kind: "content" };
}

/** Fenced blocks, line by line; an unclosed last block runs to the end. */
export function fencedBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let offset = 0;
  let open: { fence: string; lang: string; start: number; lines: string[] } | undefined;
  const finish = (end: number, closed: boolean) => {
    blocks.push({ lang: open!.lang, content: dedent(open!.lines), start: open!.start, end, closed, fence: open!.fence });
    open = undefined;
  };
  for (const line of text.split("\n")) {
    const lineStart = offset;
    offset += line.length + 1;
    if (!open) {
      const o = opener(line);
      if (o) open = { ...o, start: lineStart, lines: [] };
      continue;
    }
    const what = insideLine(line, open.fence);
    if (what.kind === "content") {
      open.lines.push(line);
      continue;
    }
    if (what.glued !== undefined) open.lines.push(what.glued);
    if (what.reopen) {
      finish(lineStart, false);
      open = { ...what.reopen, start: lineStart, lines: [] };
    } else finish(Math.min(offset, text.length), true);
  }
  if (open) finish(text.length, false);
  return blocks;
}

/**
 * The lines without their common indentation (a fence indented under a list item indents its
 * code too). Lines that begin inside a triple-quoted string do not count, and lose only what
 * they have, so a string's own layout survives.
 */
function dedent(lines: string[]): string {
  const scan = scanPython(lines.join("\n")).lines;
  const widths = lines.filter((line, i) => line.trim() && !scan[i]?.inString).map((line) => /^[ \t]*/.exec(line)![0].length);
  const cut = widths.length ? Math.min(...widths) : 0;
  const body = cut === 0 ? lines : lines.map((line) => line.slice(Math.min(cut, /^[ \t]*/.exec(line)![0].length)));
  return body
    .join("\n")
    .replace(/^\s*\n/, "")
    .replace(/\s+$/, "");
}

/** A line that is a fence, or a list marker or prose ending in one: never a line of code. */
export function isFenceLine(line: string): boolean {
  const t = line.trim();
  return /^(`{3,}|~{3,})/.test(t) || LIST_FENCE.test(line) || (/`{3,}[\w+#.-]*\s*$/.test(t) && !/["']\s*$/.test(t));
}

export function hasOurKeys(text: string): boolean {
  return /["']?(analysis|plan|task_type|steps)["']?\s*:/.test(text);
}

/** How many `{` candidates are tried before giving up (a brace-heavy answer must not stall the kernel). */
const MAX_CANDIDATES = 200;

/** The first {...} outside fences that holds our keys; a truncated one runs to the next fence or the end. */
export function findBareJson(text: string, blocks: Block[]): { start: number; end: number } | undefined {
  const inBlock = (i: number) => blocks.some((b) => i >= b.start && i < b.end);
  const ends = closingPositions(text, blocks);
  let tried = 0;
  for (let i = text.indexOf("{"); i >= 0 && tried < MAX_CANDIDATES; i = text.indexOf("{", i + 1)) {
    if (inBlock(i)) continue;
    tried++;
    const end = ends.get(i) ?? limitAfter(text, i, blocks);
    if (hasOurKeys(text.slice(i, end))) return { start: i, end };
  }
  return undefined;
}

/**
 * Where each { or [ closes (strings respected), in one pass: the object that opens at i ends
 * at ends.get(i). One that never closes before the next fence is absent (it runs to that fence).
 */
function closingPositions(text: string, blocks: Block[]): Map<number, number> {
  const ends = new Map<number, number>();
  const open: number[] = [];
  let quote = false;
  const fenceStarts = new Set(blocks.map((b) => b.start));
  for (let i = 0; i < text.length; i++) {
    if (fenceStarts.has(i)) open.length = 0; // an object never runs into a fence
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if (c === "{" || c === "[") open.push(i);
    else if ((c === "}" || c === "]") && open.length) ends.set(open.pop()!, i + 1);
  }
  return ends;
}

/** The end of an object that never closes: the next fence after it, or the text's end. */
function limitAfter(text: string, start: number, blocks: Block[]): number {
  const next = blocks.filter((b) => b.start > start).map((b) => b.start);
  return next.length ? Math.min(...next) : text.length;
}

/** The text with these spans taken out (each replaced by a line break). */
export function removeSpans(text: string, spans: { start: number; end: number }[]): string {
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
