// A unified diff between two versions of a cell's code (for `%luci regenerate`): a longest
// common subsequence over lines, three lines of context, `@@ -a,b +c,d @@` hunks as diff -u
// writes them. No dependency; the common head and tail are set aside first, and very large
// inputs fall back to "all removed, all added" rather than a quadratic table.
export interface DiffOptions {
  oldLabel?: string;
  newLabel?: string;
  context?: number;
  /** Above this many table cells (lines × lines), no LCS: the changed middle is replaced whole. */
  maxCells?: number;
}

type Op = { kind: " " | "-" | "+"; line: string };

/** The unified diff from oldCode to newCode; "" when they are the same. */
export function codeDiff(oldCode: string, newCode: string, options: DiffOptions = {}): string {
  const { oldLabel = "recorded", newLabel = "regenerated", context = 3, maxCells = 4_000_000 } = options;
  const a = splitLines(oldCode);
  const b = splitLines(newCode);
  const ops = diffLines(a, b, maxCells);
  if (!ops.some((op) => op.kind !== " ")) return "";
  const out = [`--- ${oldLabel}`, `+++ ${newLabel}`];
  for (const hunk of hunks(ops, context)) out.push(...hunk);
  return `${out.join("\n")}\n`;
}

function splitLines(code: string): string[] {
  const text = code.replace(/\r\n?/g, "\n").replace(/\n$/, "");
  return text === "" ? [] : text.split("\n");
}

function diffLines(a: string[], b: string[], maxCells: number): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const ops: Op[] = a.slice(0, head).map((line) => ({ kind: " ", line }));
  ops.push(...lcsOps(midA, midB, maxCells));
  ops.push(...a.slice(a.length - tail).map((line): Op => ({ kind: " ", line })));
  return ops;
}

function lcsOps(a: string[], b: string[], maxCells: number): Op[] {
  const n = a.length;
  const m = b.length;
  if ((n + 1) * (m + 1) > maxCells) return [...a.map((line): Op => ({ kind: "-", line })), ...b.map((line): Op => ({ kind: "+", line }))];
  // table[i][j] = LCS length of a[i..] and b[j..]
  const width = m + 1;
  const table = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * width + j] = a[i] === b[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: " ", line: a[i]! });
      i += 1;
      j += 1;
    } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) {
      ops.push({ kind: "-", line: a[i++]! });
    } else {
      ops.push({ kind: "+", line: b[j++]! });
    }
  }
  while (i < n) ops.push({ kind: "-", line: a[i++]! });
  while (j < m) ops.push({ kind: "+", line: b[j++]! });
  return ops;
}

function* hunks(ops: Op[], context: number): Generator<string[]> {
  // Positions of each op in the old and new texts (1-based line numbers of the next line).
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let n = 1;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(n);
    if (op.kind !== "+") o += 1;
    if (op.kind !== "-") n += 1;
  }
  const changed = ops.map((op, index) => (op.kind === " " ? -1 : index)).filter((index) => index >= 0);
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k]! - context);
    let last = changed[k]!;
    // Join changes whose context would touch or overlap.
    while (k + 1 < changed.length && changed[k + 1]! - last <= 2 * context + 1) last = changed[++k]!;
    k += 1;
    const end = Math.min(ops.length, last + context + 1);
    const slice = ops.slice(start, end);
    const oldCount = slice.filter((op) => op.kind !== "+").length;
    const newCount = slice.filter((op) => op.kind !== "-").length;
    // diff -u: a range of length 0 names the line before it.
    const oldStart = oldCount === 0 ? oldAt[start]! - 1 : oldAt[start]!;
    const newStart = newCount === 0 ? newAt[start]! - 1 : newAt[start]!;
    yield [`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`, ...slice.map((op) => `${op.kind}${op.line}`)];
  }
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}
