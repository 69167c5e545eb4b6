// Task, Python or markdown. The kind is kept in the cell's metadata (metadata.luci.kind), so a
// Python cell with a typo stays Python. Cells are labelled and sent by the kernel's routing table
// (kernel/cells/route.ts): a cell whose text the table routes by itself (%%task, %%python and
// other cell magics, a %luci command) is labelled so and sent as written; any other cell is
// sent with the marker of its kind (`%%task` or `%%python` as its first line), so the kernel runs
// it as the label says, never by its own guess.
import { routeCell } from "../../kernel/cells/route.js";
import { isObject } from "./json.js";

export type CellKind = "task" | "python" | "markdown";

/** The kind of a cell read from a notebook: the routing table's where the text decides (a cell
 * magic, a %luci command), else the kind kept in metadata, else (cells written by JupyterLab or
 * by hand) a guess from the text. The kind then decides how the cell is sent. */
export function kindOf(cellType: string, source: string, metadata: Record<string, unknown>): CellKind {
  return readKind(cellType, source, metadata).kind;
}

/** The kind, and whether it is only a guess (no recorded kind, and the table leaves it to Python's parser). */
export function readKind(cellType: string, source: string, metadata: Record<string, unknown>): { kind: CellKind; guessed: boolean } {
  if (cellType === "markdown" || cellType === "raw") return { kind: "markdown", guessed: false };
  // A cell the table routes by its own text runs so everywhere (JupyterLab, nbconvert): the label says so.
  const route = routeCell(source);
  if (route.to === "task") return { kind: "task", guessed: false };
  if (route.to === "python" || route.to === "luci") return { kind: "python", guessed: false };
  const luci = metadata.luci;
  if (isObject(luci) && (luci.kind === "task" || luci.kind === "python")) return { kind: luci.kind, guessed: false };
  return { kind: looksLikePython(source) ? "python" : "task", guessed: true };
}

/**
 * The text the kernel receives for a cell of this kind: marked so that the routing table runs it
 * as the label says. A guessed kind is not imposed: the cell goes as written, and Python's parser
 * (in the kernel) decides, as in JupyterLab; the kernel's answer then becomes the label.
 */
export function codeToSend(kind: CellKind, source: string, guessed = false): string {
  const route = routeCell(source).to;
  if (guessed && route === "python-or-task") return source;
  if (kind === "task") return route === "task" ? source : `%%task\n${source}`;
  return route === "python" || route === "luci" ? source : `%%python\n${source}`;
}

/** The kind the kernel ran a cell as (execute_reply metadata luci.ran_as), if it said. */
export function ranAs(replyMetadata: unknown): CellKind | undefined {
  const luci = isObject(replyMetadata) ? replyMetadata.luci : undefined;
  const ran = isObject(luci) ? luci.ran_as : undefined;
  return ran === "task" ? "task" : ran === "python" || ran === "command" ? "python" : undefined;
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
