// Python with no fences: lines that read as code, and the longest run of them in prose. Also
// used to tell a fence with no language name that holds code from one that holds something
// else, and a line of prose from a line of code (where a block with no closing fence ends).

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

export function looksLikePython(text: string): boolean {
  const lines = text.split("\n").filter((l) => l.trim());
  if (!lines.length) return false;
  const code = lines.filter(isCodeLine).length;
  return code >= Math.max(1, Math.ceil(lines.length / 3)) && lines.some((l) => isCodeLine(l) && !l.trim().startsWith("#"));
}

/** Python with no fences: the longest run of lines that read as code (indented lines, blank
 * lines and the insides of open brackets belong to the run). Prose lines end it. */
export function unfencedCode(text: string): string | undefined {
  const lines = text.split("\n");
  let best: { from: number; to: number; strong: number } | undefined;
  let i = 0;
  while (i < lines.length) {
    if (!isCodeLine(lines[i]!) || (lines[i]!.trim().startsWith("#") && !nextIsCode(lines, i))) {
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

/**
 * A line of prose, not code: at indentation 0, not a line that reads as code (a comment does),
 * and either Markdown (a list marker, bold, a quote) or four words or more with no `=`, `;`
 * or braces outside inline code. `result` or `df` alone (a bare expression) is not prose.
 */
export function isProseLine(line: string): boolean {
  const t = line.trim();
  if (!t || /^\s/.test(line) || isCodeLine(line)) return false;
  if (/^(\*\*|__|[-*+•]\s|\d{1,3}[.)]\s|>\s)/.test(t)) return true;
  const words = t.split(/\s+/).filter((w) => /[A-Za-z]/.test(w));
  return /^[A-Za-z]/.test(t) && words.length >= 4 && !/[=;{}]/.test(t.replace(/`[^`]*`/g, ""));
}
