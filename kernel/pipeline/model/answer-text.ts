// The text of a model's answer: thinking removed, fenced blocks found, bare JSON found.
// Offsets are kept so that the parser can tell what is left once blocks and JSON are taken out.

export function stripThinking(text: string): string {
  let out = text.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, "");
  // An unclosed block at the start: everything up to the first fence or brace is thought.
  const open = /^\s*<(think|thinking|reasoning)>/i.exec(out);
  if (open) out = out.slice(open[0].length);
  return out;
}

export interface Block {
  lang: string;
  content: string;
  /** Offsets of the whole block (fences included) in the text. */
  start: number;
  end: number;
  closed: boolean;
}

export const JSON_LANGS = new Set(["json", "jsonc", "json5"]);
export const PYTHON_LANGS = new Set(["python", "py", "python3", "ipython", "ipython3", "pycon"]);

/** Fenced blocks (``` or ~~~), line by line; an unclosed last block runs to the end. */
export function fencedBlocks(text: string): Block[] {
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

export function hasOurKeys(text: string): boolean {
  return /["']?(analysis|plan|task_type|steps)["']?\s*:/.test(text);
}

/** The first {...} outside fences that holds our keys; a truncated one runs to the end. */
export function findBareJson(text: string, blocks: Block[], needKeys = true): { start: number; end: number } | undefined {
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
