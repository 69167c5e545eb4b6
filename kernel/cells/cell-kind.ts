// What a cell is. `%%python` cells always run as Python; `%%task` cells are always tasks;
// any other cell runs as Python when its whole text parses as Python (the worker decides,
// with Python's own parser) and is a task in plain language otherwise.

export type CellKind =
  | { kind: "task"; task: string }
  | { kind: "python"; code: string }
  /** Python if it parses, else a task: decided by the worker. */
  | { kind: "auto"; code: string };

const CELL_MAGIC = /^[ \t]*%%([A-Za-z_][\w-]*)[^\n]*(?:\n|$)/;

export function classifyCell(source: string): CellKind {
  const magic = CELL_MAGIC.exec(source);
  if (magic) {
    const body = source.slice(magic[0].length);
    if (magic[1] === "task") return { kind: "task", task: body.trim() };
    if (magic[1] === "python") return { kind: "python", code: body };
    // Other cell magics (%%time, %%writefile, %%bash, ...) are the worker's to run.
    return { kind: "python", code: source };
  }
  return { kind: "auto", code: source };
}
