// Where a cell goes: the one table that says it. The kernel (luci-interpreter.ts) routes every
// execute_request through routeCell; the page (frontend/model/cell-kind.ts) labels and sends
// cells by the same table, so a cell's label never disagrees with how it runs. No Node imports:
// the page bundles this file.
//
// Rules, first match wins:
//   %luci regenerate + lines     a task, asked of the model again (its new code shown as a diff)
//   %luci sweep ARGS + lines     the task's recorded code run over scenarios (no model call)
//   %%task ...                   a task: the text after the magic line
//   %%python ...                 Python: the text after the magic line
//   %%<other magic> ...          Python (%%time, %%bash, %%writefile: the worker runs the magic)
//   %luci? / %luci ... alone     a command of Luci's, run by the kernel: never starts Python
//   anything else                Python if Python's parser accepts it (the worker's parse, the
//                                only rule the kernel cannot decide alone), else a task
// `%luci` and `%pip` lines inside Python cells are the worker's to find: it hands them back to
// the kernel (PROTOCOL.md, "Kernel requests"), which runs them as commands too.

export type CellRoute =
  /** `sweep`: the `%luci sweep` arguments of a task cell whose first line is that command. */
  | { to: "task"; task: string; regenerate: boolean; sweep?: string }
  /** A command of Luci's alone in the cell: `command` is its first word ("help" when none). */
  | { to: "luci"; command: string; args: string }
  | { to: "python"; code: string }
  /** Python if it parses, else the same text as a task: decided by the worker's parser. */
  | { to: "python-or-task"; code: string };

interface RouteRule {
  /** What the rule matches, in words (the routing table's documentation and tests use it). */
  readonly name: string;
  readonly pattern: RegExp;
  route(match: RegExpExecArray, source: string): CellRoute;
}

const MAGIC_LINE = /^[ \t]*%%([A-Za-z_][\w-]*)[^\n]*(?:\n|$)/;

export const ROUTES: readonly RouteRule[] = [
  {
    name: "%luci regenerate, then the task",
    pattern: /^\s*%luci[ \t]+regenerate[ \t]*\n([\s\S]*\S[\s\S]*)$/,
    route: (m) => ({ to: "task", task: m[1]!.trim(), regenerate: true }),
  },
  {
    name: "%luci sweep, then the task",
    pattern: /^\s*%luci[ \t]+sweep(?:[ \t]([^\n]*))?\n([\s\S]*\S[\s\S]*)$/,
    route: (m) => ({ to: "task", task: m[2]!.trim(), regenerate: false, sweep: (m[1] ?? "").trim() }),
  },
  {
    name: "%%task cell",
    pattern: /^[ \t]*%%task(?:[ \t][^\n]*)?(?:\n|$)/,
    route: (m, source) => ({ to: "task", task: source.slice(m[0].length).trim(), regenerate: false }),
  },
  {
    name: "%%python cell",
    pattern: /^[ \t]*%%python(?:[ \t][^\n]*)?(?:\n|$)/,
    route: (m, source) => ({ to: "python", code: source.slice(m[0].length) }),
  },
  { name: "another cell magic", pattern: MAGIC_LINE, route: (_m, source) => ({ to: "python", code: source }) },
  { name: "%luci? alone", pattern: /^\s*%luci\?\s*$/, route: () => ({ to: "luci", command: "help", args: "" }) },
  {
    name: "a %luci command alone",
    pattern: /^\s*%luci(?:[ \t]+([^\s]+)([^\n]*?))?\s*$/,
    route: (m) => ({ to: "luci", command: m[1] ?? "help", args: (m[2] ?? "").trim() }),
  },
  { name: "anything else", pattern: /^[\s\S]*$/, route: (_m, source) => ({ to: "python-or-task", code: source }) },
];

export function routeCell(source: string): CellRoute {
  for (const rule of ROUTES) {
    const match = rule.pattern.exec(source);
    if (match) return rule.route(match, source);
  }
  // Unreachable: the last rule matches any text.
  return { to: "python-or-task", code: source };
}
