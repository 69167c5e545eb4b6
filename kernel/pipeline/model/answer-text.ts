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

/** How many `{` candidates are tried before giving up (a brace-heavy answer must not stall the kernel). */
const MAX_CANDIDATES = 200;

/** The first {...} outside fences that holds our keys; a truncated one runs to the end. */
export function findBareJson(text: string, blocks: Block[], needKeys = true): { start: number; end: number } | undefined {
  const inBlock = (i: number) => blocks.some((b) => i >= b.start && i < b.end);
  const ends = closingPositions(text, blocks);
  let tried = 0;
  for (let i = text.indexOf("{"); i >= 0 && tried < MAX_CANDIDATES; i = text.indexOf("{", i + 1)) {
    if (inBlock(i)) continue;
    tried++;
    const end = ends.get(i) ?? limitAfter(text, i, blocks);
    if (!needKeys || hasOurKeys(text.slice(i, end))) return { start: i, end };
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
