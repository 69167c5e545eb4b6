// Just enough of Python's lexical structure to read a model's code without running Python (the
// parser runs in the kernel, where no interpreter is at hand): which lines begin inside a
// string or an open bracket, which lines are top-level statements, which names a piece of code
// binds and which it uses, whether it shows anything, and whether it stops mid-statement.
// Heuristic by design; the validation gate (Python's own `ast`) judges the code afterwards.

interface ScannedLine {
  /** The line as written. */
  text: string;
  /** The line with string contents blanked ("") and its comment removed. */
  masked: string;
  /** The line begins inside a triple-quoted string (its text is data, not code). */
  inString: boolean;
  /** Bracket depth at the line's start (>0: a continuation of an open call or literal). */
  depth: number;
  /** The line continues the previous one (a backslash at its end). */
  continued: boolean;
}

export interface Scan {
  lines: ScannedLine[];
  /** At the end: a triple-quoted string still open, the bracket depth, a trailing backslash. */
  end: { inString: boolean; depth: number; continued: boolean };
}

export function scanPython(code: string): Scan {
  const lines: ScannedLine[] = [];
  let triple: string | undefined;
  let depth = 0;
  let continued = false;
  for (const text of code.split("\n")) {
    const line: ScannedLine = { text, masked: "", inString: triple !== undefined, depth, continued };
    let masked = "";
    let quote: string | undefined = triple;
    let i = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (quote) {
        if (c === "\\") {
          i += 2;
          continue;
        }
        if (text.startsWith(quote, i)) {
          i += quote.length;
          masked += '"';
          quote = undefined;
          continue;
        }
        i++;
        continue;
      }
      if (c === "#") break;
      if (c === '"' || c === "'") {
        quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
        i += quote.length;
        masked += '"';
        continue;
      }
      if ("([{".includes(c)) depth++;
      else if (")]}".includes(c)) depth = Math.max(0, depth - 1);
      masked += c;
      i++;
    }
    // A one-quote string never runs past its line; a triple-quoted one does.
    triple = quote && quote.length === 3 ? quote : undefined;
    if (quote && !triple) masked += '"';
    line.masked = masked;
    continued = !triple && /\\\s*$/.test(masked);
    lines.push(line);
  }
  return { lines, end: { inString: triple !== undefined, depth, continued } };
}

/** A statement that starts a line at indentation 0 (not a continuation, not inside a string). */
function isTopLevelStart(line: ScannedLine): boolean {
  return !line.inString && line.depth === 0 && !line.continued && /^\S/.test(line.text) && line.masked.trim() !== "";
}

/** Each top-level statement with the indented lines under it, as one string of masked code. */
function topLevelStatements(code: string): string[] {
  const out: string[] = [];
  for (const line of scanPython(code).lines) {
    if (isTopLevelStart(line)) out.push(line.masked);
    else if (out.length && line.masked.trim()) out[out.length - 1] += `\n${line.masked}`;
  }
  return out;
}

const KEYWORDS = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for from global if import " +
    "in is lambda nonlocal not or pass raise return try while with yield match case print"
  ).split(" "),
);

/** Names the code binds at module level: imports, defs, classes, assignments, for and with targets
 * (in top-level statements and in the if/for/with/try blocks under them, not inside defs). */
export function boundNames(code: string): Set<string> {
  const names = new Set<string>();
  let inDef = false;
  for (const line of scanPython(code).lines) {
    if (line.inString || !line.masked.trim()) continue;
    const top = isTopLevelStart(line);
    if (top) inDef = /^(async\s+def|def|class)\s/.test(line.masked) || /^@/.test(line.masked);
    const header = /^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)/.exec(line.masked);
    if (header && top) {
      names.add(header[1]!);
      continue;
    }
    if (inDef && !top) continue;
    if (line.depth > 0 || line.continued) continue;
    bindingsOf(line.masked.trim()).forEach((n) => names.add(n));
  }
  return names;
}

function bindingsOf(statement: string): string[] {
  let m = /^import\s+(.+)$/.exec(statement);
  if (m) {
    return m[1]!.split(",").map((part) => {
      const alias = /\bas\s+([A-Za-z_]\w*)/.exec(part);
      return alias ? alias[1]! : part.trim().split(".")[0]!.trim();
    });
  }
  m = /^from\s+\S+\s+import\s+\(?(.+?)\)?\s*$/.exec(statement);
  if (m) {
    return m[1]!
      .split(",")
      .map((part) => /\bas\s+([A-Za-z_]\w*)/.exec(part)?.[1] ?? part.trim())
      .filter((n) => /^[A-Za-z_]\w*$/.test(n));
  }
  m = /^(?:for|async\s+for)\s+(.+?)\s+in\s/.exec(statement);
  if (m) return identifiers(m[1]!);
  if (/^(?:with|async\s+with)\s/.test(statement)) return [...statement.matchAll(/\bas\s+([A-Za-z_]\w*)/g)].map((x) => x[1]!);
  // Assignment targets: `a = …`, `a, b = …`, `a: int = …`, `a = b = …` (not ==, <=, >=, !=).
  const parts = statement.split(/(?<![=!<>+\-*/%&|^@:])=(?!=)/);
  if (parts.length < 2) return [];
  return parts.slice(0, -1).flatMap((target) => {
    const t = target.replace(/:[^=]*$/, "").trim();
    // Only names, tuples and starred names bind: `f(x=1)` is a keyword argument, `a.b = 1` and
    // `a[0] = 1` change an object that exists already.
    return /^[\w\s,()[\]*]+$/.test(t) && !/\w\s*[([]/.test(t) ? identifiers(t) : [];
  });
}

function identifiers(text: string): string[] {
  return [...text.matchAll(/[A-Za-z_]\w*/g)].map((m) => m[0]).filter((n) => !KEYWORDS.has(n));
}

/** Identifiers the code reads (attribute names after a dot and keywords left out). */
export function usedNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const line of scanPython(code).lines) {
    if (line.inString) continue;
    for (const m of line.masked.matchAll(/(?<![\w.])[A-Za-z_]\w*/g)) if (!KEYWORDS.has(m[0])) names.add(m[0]);
  }
  return names;
}

const OUTPUT_CALL =
  /\b(print|display|pprint|show|plot|savefig|imshow|hist|bar|scatter|to_csv|to_excel|to_json|to_html|to_parquet|write|dump|serve_forever|run)\s*\(/;
const DEFINITION = /^(import\s|from\s|def\s|async\s+def\s|class\s|@|pass$|global\s|nonlocal\s|"+$)/;
const COMPOUND = /^(for|while|if|with|try|async|match)\b/;

/** A plain assignment (`x = …`, `a, b = …`, `x += 1`, `x: int = …`): binds, shows nothing. */
function isAssignment(statement: string): boolean {
  const first = statement.split("\n")[0]!.trim();
  if (COMPOUND.test(first)) return false;
  const m = /^([\w\s,()[\].*]+?)(\s*:[^=]+)?\s*([-+*/%&|^@]|\/\/|\*\*|<<|>>)?=(?!=)/.exec(first);
  // `f(x=1)` is a call with a keyword argument, not an assignment.
  return m !== null && !/\w\s*\(/.test(m[1]!);
}

/**
 * True when running the code shows or writes something: a top-level statement that is not a
 * definition or a plain assignment (a call, a loop, `if __name__ …`, a bare expression, which
 * Jupyter shows) and, unless it is a bare expression, an output call somewhere in the code.
 */
export function showsSomething(code: string): boolean {
  const statements = topLevelStatements(code);
  const executing = statements.filter((s) => !DEFINITION.test(s.split("\n")[0]!.trim()) && !isAssignment(s));
  if (!executing.length) return false;
  const last = statements.at(-1)!;
  const bareExpression = executing.includes(last) && !COMPOUND.test(last);
  return bareExpression || OUTPUT_CALL.test(statements.join("\n"));
}

/** True when the code stops mid-statement: a string or bracket left open, a trailing backslash,
 * or a last line that announces more (`:` ending a header, an operator or a comma at its end). */
export function endsMidStatement(code: string): boolean {
  const scan = scanPython(code.replace(/\s+$/, ""));
  if (scan.end.inString || scan.end.depth > 0 || scan.end.continued) return true;
  const last = [...scan.lines].reverse().find((l) => l.masked.trim());
  if (!last) return false;
  if (/\bimport\s+\*\s*$/.test(last.masked)) return false;
  return /(:|,|[-+*/%=<>&|^@]|\band|\bor|\bnot|\bin|\bis)\s*$/.test(last.masked.trimEnd());
}
