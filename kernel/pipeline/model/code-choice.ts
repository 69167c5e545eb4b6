// Which of an answer's python blocks is the program to run. One block is the common case; real
// models also write several: the program then "example usage", a draft then the corrected
// version, the steps of a tutorial that build on each other, an alternative ("or, using …"),
// a `pip install` block. The rule, in order:
//   1. Candidates: blocks tagged python (py, python3, ipython, pycon: a `>>>` transcript keeps
//      only its input lines), or untagged blocks that read as Python. Blocks that only install
//      packages (pip, conda, !pip, %pip) are left out: Luci installs what the code imports.
//   2. Each candidate's role comes from the prose just before it (and its first comment):
//      "complete / final / corrected … code" makes it final; "alternatively", "you can also",
//      "optionally", "instead" make it an alternative; "example", "usage", "to test it" make it
//      an example. Anything else is a part of the program.
//   3. A block marked final is the program, alone (the last one so marked).
//   4. Drafts are left out: a block whose lines are (80 % or more) repeated in another, longer
//      block, and a block that defines a function or class that a later block defines again.
//   5. Alternatives are left out (unless there is nothing else: then the first is taken).
//   6. The main part is the longest remaining part. The parts it is connected to through what
//      they define and use (a later block that uses a name an earlier one defines, either way
//      round, transitively) are joined with it, in the answer's order: they are one program
//      written in pieces. Parts connected to none of them are left out.
//   7. Examples are joined when they use the program's names and the program by itself shows
//      nothing (it only defines: then the example is what produces the output); when the
//      program already prints, plots or shows a value, examples are left out.
// Every block left out is said in a note, so the plan shows what was not run.
import type { Block } from "./answer-text.js";
import { PYTHON_LANGS } from "./answer-text.js";
import { boundNames, endsMidStatement, scanPython, showsSomething, usedNames } from "./python-scan.js";
import { isProseLine, looksLikePython } from "./unfenced-code.js";

type Role = "part" | "final" | "example" | "alternative";

export interface Candidate {
  block: Block;
  code: string;
  role: Role;
  /** An unclosed block whose code stops mid-statement: the answer was cut off. */
  cutOff: boolean;
  /** Prose at the end of an unclosed block was taken off. */
  proseCut: boolean;
}

export interface Choice {
  code: string;
  /** The blocks joined into the program, in order. */
  blocks: Block[];
  cutOff: boolean;
  notes: string[];
}

const FINAL =
  /\b(complete|full|final|whole|entire|corrected|fixed|updated|improved|revised|working)\b[^.\n]{0,40}\b(code|version|script|program|solution|implementation)\b|\b(putting it all together|all together now)\b/i;
const ALTERNATIVE =
  /\b(alternatively|alternative(ly)?|another (way|approach|option|method)|you (can|could|may) also|optionally|if you (want|prefer|like|wish)|instead,? (you|use|of)|or,? (you can|using|with|simply)|a (more|shorter|simpler|cleaner) (concise|pythonic|efficient|compact|way|version))\b/i;
const EXAMPLE =
  /\b(examples?|usage|for instance|demo|sample|to (use|call|run|test|try) (it|this|them|the (function|class|code))|you can (then )?(call|use|run|test|try)|test(ing)? (it|the|this))\b/i;
const EXAMPLE_COMMENT = /^#\s*(example|usage|test|demo|try it)/i;
const INSTALL = /^\s*[!%]?\s*(pip3?|python3?\s+-m\s+pip|uv\s+pip|conda|mamba|apt(-get)?|brew)\s+install\b/;
const NOT_PYTHON = new Set([
  "bash",
  "sh",
  "shell",
  "console",
  "zsh",
  "powershell",
  "ps1",
  "cmd",
  "bat",
  "text",
  "txt",
  "output",
  "plaintext",
  "json",
  "jsonc",
  "json5",
  "yaml",
  "yml",
  "toml",
  "ini",
  "csv",
  "markdown",
  "md",
  "html",
  "css",
  "javascript",
  "js",
  "sql",
]);

/** The python blocks of an answer as candidates (see the rule above). `text` is the answer the blocks are in. */
export function candidates(text: string, blocks: Block[]): Candidate[] {
  const out: Candidate[] = [];
  blocks.forEach((block, i) => {
    if (NOT_PYTHON.has(block.lang)) return;
    let code = fromTranscript(block.content);
    if (!PYTHON_LANGS.has(block.lang) && !(block.lang === "" && looksLikePython(code))) return;
    const lines = code.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
    if (!lines.length || lines.every((l) => INSTALL.test(l))) return;
    let proseCut = false;
    let cutOff = false;
    if (!block.closed) {
      const trimmed = withoutProseTail(code);
      proseCut = trimmed !== code;
      code = trimmed;
      cutOff = endsMidStatement(code);
    }
    const before = text.slice(i > 0 ? blocks[i - 1]!.end : 0, block.start);
    const openerLine = text.slice(block.start, text.indexOf("\n", block.start) < 0 ? text.length : text.indexOf("\n", block.start));
    const lead = [
      ...before
        .split("\n")
        .filter((l) => l.trim())
        .slice(-2),
      openerLine.replace(/[`~]{3,}[\w+#.-]*\s*$/, ""),
    ].join("\n");
    out.push({ block, code, role: roleOf(lead, code), cutOff, proseCut });
  });
  return out;
}

function roleOf(lead: string, code: string): Role {
  const firstComment =
    code
      .split("\n")
      .find((l) => l.trim())
      ?.trim() ?? "";
  if (FINAL.test(lead)) return "final";
  if (ALTERNATIVE.test(lead)) return "alternative";
  if (EXAMPLE.test(lead) || EXAMPLE_COMMENT.test(firstComment)) return "example";
  return "part";
}

/** A `>>>` session keeps its input lines only (its output lines are not code). */
function fromTranscript(code: string): string {
  if (!/^>>>( |$)/m.test(code)) return code;
  return code
    .split("\n")
    .filter((l) => /^(>>>|\.\.\.)( |$)/.test(l))
    .map((l) => l.slice(4))
    .join("\n");
}

/** An unclosed block that ends in prose (the model forgot the closing fence): the code up to the prose. */
function withoutProseTail(code: string): string {
  const lines = code.split("\n");
  const scan = scanPython(code).lines;
  const at = lines.findIndex((l, i) => !scan[i]!.inString && scan[i]!.depth === 0 && isProseLine(l));
  return at < 0 ? code : lines.slice(0, at).join("\n").replace(/\s+$/, "");
}

/** The program among the candidates, by the rule at the top of this file. */
export function chooseProgram(all: Candidate[]): Choice | undefined {
  if (!all.length) return undefined;
  if (all.length === 1) return choice(all, []);
  const notes: string[] = [];
  const total = all.length;

  const finals = all.filter((c) => c.role === "final");
  if (finals.length) {
    notes.push(`the answer had ${total} python blocks; the one it calls the complete version was run, ${plural(total - 1, "other")} left out`);
    return choice([finals.at(-1)!], notes);
  }

  let left = all.filter((c) => !isDraft(c, all));
  const drafts = all.length - left.length;
  if (drafts) notes.push(`${plural(drafts, "python block")} repeated or redefined in a later one (a draft) left out`);

  const alternatives = left.filter((c) => c.role === "alternative");
  if (alternatives.length && alternatives.length < left.length) {
    left = left.filter((c) => c.role !== "alternative");
    notes.push(`${plural(alternatives.length, "alternative python block")} left out`);
  } else if (alternatives.length) left = [left[0]!];

  const parts = left.filter((c) => c.role !== "example");
  const examples = left.filter((c) => c.role === "example");
  const pool = parts.length ? parts : examples;
  const main = pool.reduce((best, c) => (size(c) > size(best) ? c : best));
  const chosen = connected(main, pool);
  const unrelated = pool.length - chosen.length;
  if (unrelated) notes.push(`${plural(unrelated, "python block")} unrelated to the program (sharing no names with it) left out`);

  if (parts.length && examples.length) {
    const program = ordered(chosen)
      .map((c) => c.code)
      .join("\n\n");
    const names = boundNames(program);
    const useful = examples.filter((e) => [...freeNames(e)].some((n) => names.has(n)));
    if (!showsSomething(program) && useful.length) {
      chosen.push(...useful);
      notes.push(`the program only defines things, so its example usage was run with it`);
    } else notes.push(`${plural(examples.length, "example-usage block")} left out (the program shows its own results)`);
  }
  if (chosen.length > 1) notes.push(`${chosen.length} python blocks that build on each other were joined into one program`);
  return choice(ordered(chosen), notes);
}

function choice(chosen: Candidate[], notes: string[]): Choice {
  for (const c of chosen) {
    if (c.proseCut) notes.push("the python block had no closing fence; it was taken to end where the prose after it begins");
    else if (!c.block.closed && !c.cutOff) notes.push("the python block had no closing fence");
  }
  return {
    code: chosen.map((c) => c.code).join("\n\n"),
    blocks: chosen.map((c) => c.block),
    cutOff: chosen.some((c) => c.cutOff),
    notes,
  };
}

/** Repeated in a longer block (or an equal, later one), or a def/class a later block defines again. */
function isDraft(c: Candidate, all: Candidate[]): boolean {
  const mine = codeLines(c.code);
  for (const other of all) {
    if (other === c) continue;
    const theirs = new Set(codeLines(other.code));
    const longer = theirs.size > mine.length || (theirs.size === mine.length && other.block.start > c.block.start);
    if (longer && mine.length && mine.filter((l) => theirs.has(l)).length / mine.length >= 0.8) return true;
    if (other.block.start > c.block.start) {
      const defined = definitions(c.code);
      if ([...definitions(other.code)].some((n) => defined.has(n))) return true;
    }
  }
  return false;
}

/** The candidates connected to `main` through names one defines and another uses. */
function connected(main: Candidate, pool: Candidate[]): Candidate[] {
  const chosen = [main];
  for (let grew = true; grew;) {
    grew = false;
    for (const c of pool) {
      if (chosen.includes(c)) continue;
      const linked = chosen.some((k) => {
        const [early, late] = k.block.start < c.block.start ? [k, c] : [c, k];
        const defined = boundNames(early.code);
        return [...freeNames(late)].some((n) => defined.has(n));
      });
      if (linked) {
        chosen.push(c);
        grew = true;
      }
    }
  }
  return chosen;
}

/** Names a block uses and does not bind itself. */
function freeNames(c: Candidate): Set<string> {
  const bound = boundNames(c.code);
  return new Set([...usedNames(c.code)].filter((n) => !bound.has(n)));
}

function definitions(code: string): Set<string> {
  return new Set([...code.matchAll(/^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)/gm)].map((m) => m[1]!));
}

function codeLines(code: string): string[] {
  return code
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

function size(c: Candidate): number {
  return codeLines(c.code).length;
}

function ordered(cs: Candidate[]): Candidate[] {
  return [...cs].sort((a, b) => a.block.start - b.block.start);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
