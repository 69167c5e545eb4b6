// Task, Python or markdown. A code cell's label is the kernel's own rule, applied to its text as
// it stands: the routing table (kernel/cells/route.ts, the same function the kernel calls) for
// `%%task`, `%%python`, other cell magics and `%luci` commands, and for any other text Python's
// grammar (editor/python-syntax.ts: what the worker's parser decides). The cell is sent as
// written, so the label says how it runs, here, in JupyterLab and under nbconvert. Choosing a
// kind (Y, T, the label button) writes the marker the table reads (`%%python`, `%%task`) when
// the text alone would run otherwise.
import { routeCell } from "../../kernel/cells/route.js";
import { parsesAsPython, pythonSyntax } from "../editor/python-syntax.js";
import { isObject } from "./json.js";

export type CellKind = "task" | "python" | "markdown";
export type CodeKind = "task" | "python";

/** How the kernel runs this text: a task or Python (a `%luci` command counts as Python's). */
export function kindByRule(source: string): CodeKind {
  const route = routeCell(source);
  if (route.to === "task") return "task";
  if (route.to === "python" || route.to === "luci") return "python";
  return parsesAsPython(route.code) ? "python" : "task";
}

/** True when the text carries nothing that routes it, so Python's parser (in the kernel) has the last word. */
export function decidedByParser(source: string): boolean {
  return routeCell(source).to === "python-or-task";
}

/** The label of a code cell: the rule's, or, while the cell is empty, the kind it was made as. */
export function labelKind(source: string, made: CellKind): CellKind {
  if (!source.trim()) return made === "markdown" ? "task" : made;
  return kindByRule(source);
}

/**
 * How the editor treats the text: as Python also while a Python statement is being typed (`if x:`
 * does not parse yet, and is labelled a task, but Enter after it must indent).
 */
export function editorKind(source: string, label: CellKind): CellKind {
  if (label === "markdown" || !source.trim()) return label;
  const route = routeCell(source);
  if (route.to !== "python-or-task") return kindByRule(source);
  return pythonSyntax(route.code) === "not" ? "task" : "python";
}

/**
 * The kind of a cell read from a notebook. Markdown and raw cells are markdown; a code cell is
 * labelled by the rule (metadata.luci.kind, written by earlier pages, is only the empty cell's
 * kind: JupyterLab and nbconvert never read it, so the text alone says how a cell runs).
 * `guessed`: the parser decides, so the kind is not written into the file.
 */
export function readKind(cellType: string, source: string, metadata: Record<string, unknown>): { kind: CellKind; guessed: boolean } {
  if (cellType === "markdown" || cellType === "raw") return { kind: "markdown", guessed: false };
  const luci = metadata.luci;
  const recorded = isObject(luci) && (luci.kind === "task" || luci.kind === "python") ? luci.kind : "task";
  return { kind: labelKind(source, recorded), guessed: source.trim() !== "" && decidedByParser(source) };
}

/** The kind of a cell read from a notebook (readKind's, without whether the parser decided it). */
export function kindOf(cellType: string, source: string, metadata: Record<string, unknown>): CellKind {
  return readKind(cellType, source, metadata).kind;
}

const MARKER = /^[ \t]*%%(?:task|python)(?:[ \t][^\n]*)?(?:\n|$)/;

/** The text, with `%%task` or `%%python` added, changed or removed so that the rule gives `kind`. */
export function withKind(source: string, kind: CodeKind): string {
  if (!source.trim() || kindByRule(source) === kind) return source;
  const marker = MARKER.exec(source);
  const body = marker ? source.slice(marker[0].length) : source;
  if (body.trim() && kindByRule(body) === kind) return body;
  return `%%${kind}\n${body}`;
}

/** The kind the kernel ran a cell as (execute_reply metadata luci.ran_as), if it said. */
export function ranAs(replyMetadata: unknown): CodeKind | undefined {
  const luci = isObject(replyMetadata) ? replyMetadata.luci : undefined;
  const ran = isObject(luci) ? luci.ran_as : undefined;
  return ran === "task" ? "task" : ran === "python" || ran === "command" ? "python" : undefined;
}
