// Does a cell's text parse as Python? The kernel's routing table (kernel/cells/route.ts) leaves
// a cell without a marker to Python's parser in the worker: IPython's syntax is rewritten first
// (luci_worker/transform.py: `%magic` and `!cmd` lines, `x = !cmd`, `name?`), then the text is
// compiled. The page cannot ask CPython while the user types, so it asks the same question of
// Lezer's Python grammar (the one CodeMirror highlights with), after the same rewriting. Where
// the two grammars differ (rare: `return` outside a function, parenthesised `with` items), the
// kernel's answer after a run (execute_reply metadata luci.ran_as) corrects the label.
import { pythonLanguage } from "@codemirror/lang-python";

/** `name?`, `name??`, `?name` alone in a cell: IPython's help, which the worker answers. */
const HELP = /^\s*(\?{1,2})?([A-Za-z_][\w.]*)(\?{1,2})?\s*$/;
/** A line that is a magic or a shell command, or assigns one (`x = !ls`, `x = %who_ls`). */
const MAGIC_LINE = /^([ \t]*)(?:([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*)?(?:%[A-Za-z_]|!)/;

export function parsesAsPython(source: string): boolean {
  return pythonSyntax(source) === "python";
}

/**
 * "python" when the text parses; "unfinished" when it would, but for its end (`if x:`, `print(`:
 * Python being typed, which the editor keeps highlighting and indenting as Python); else "not".
 */
export function pythonSyntax(source: string): "python" | "unfinished" | "not" {
  const help = HELP.exec(source);
  if (help && (help[1] === undefined) !== (help[3] === undefined)) return "python";
  // Each magic line becomes a call on one line, as the worker's transform does, so what is left is
  // plain Python.
  const code = source
    .split("\n")
    .map((line) => {
      const magic = MAGIC_LINE.exec(line);
      return magic ? `${magic[1]}${magic[2] ? `${magic[2]} = ` : ""}__luci_magic__()` : line;
    })
    .join("\n");
  const tree = pythonLanguage.parser.parse(code);
  const end = code.trimEnd().length;
  let result: "python" | "unfinished" | "not" = "python";
  tree.iterate({
    enter: (node) => {
      if (result === "not") return false;
      // Lezer also reads Python 2's print statement, which Python 3 refuses.
      if (node.name === "PrintStatement") result = "not";
      else if (node.type.isError) result = node.from >= end ? "unfinished" : "not";
      return true;
    },
  });
  return result;
}
