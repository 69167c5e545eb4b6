// Task, Python or markdown. The kind is kept in the cell's metadata (metadata.luci.kind), so a
// Python cell with a typo stays Python. What the kernel receives follows the kernel's own rules
// (kernel/cells/cell-kind.ts): a task is sent as written (text that is not Python is a task);
// a Python cell is sent with `%%python` as its first line, unless it already starts with a cell
// magic (`%%bash`, `%%time`, ...), which the kernel runs as Python anyway.

export type CellKind = "task" | "python" | "markdown";

const CELL_MAGIC = /^[ \t]*%%([A-Za-z_][\w-]*)/;

/** The kind of a cell read from a notebook. Cells with no luci.kind (written by JupyterLab or by
 * hand) are guessed from their text: the guess only decides how the cell is shown and sent. */
export function kindOf(cellType: string, source: string, metadata: Record<string, unknown>): CellKind {
  if (cellType === "markdown" || cellType === "raw") return "markdown";
  const luci = metadata.luci as { kind?: unknown } | undefined;
  if (luci && (luci.kind === "task" || luci.kind === "python")) return luci.kind;
  const magic = CELL_MAGIC.exec(source);
  if (magic) return magic[1] === "task" ? "task" : "python";
  return looksLikePython(source) ? "python" : "task";
}

/** The text the kernel receives for a cell of this kind. */
export function codeToSend(kind: CellKind, source: string): string {
  if (kind !== "python" || CELL_MAGIC.test(source)) return source;
  return `%%python\n${source}`;
}

const PYTHON_LINE = [
  /^(import|from|def|class|for|while|if|elif|else|try|except|finally|with|return|raise|assert|async|await|del|pass|break|continue|global|nonlocal|lambda|yield)\b/,
  /^[@%!#]/,
  /^[A-Za-z_][\w.]*(\[[^\]]*\])?(\s*,\s*[A-Za-z_][\w.]*)*\s*([-+*/%&|^@]|\/\/|\*\*|>>|<<)?=(?!=)/, // assignment
  /^[A-Za-z_][\w.]*\s*\(.*\)\s*$/, // a call
  /^[A-Za-z_][\w.]*$/, // a name alone
  /^[)\]}]/,
  /^["'\d([{-]/,
];

/** True when every line that carries code looks like Python (indented lines belong to the one above). */
export function looksLikePython(source: string): boolean {
  const lines = source.split("\n").filter((l) => l.trim() && !/^\s+/.test(l));
  if (!lines.length) return false;
  return lines.every((line) => PYTHON_LINE.some((re) => re.test(line.trim())));
}
