// The page's label for a cell is the kernel's own rule: for a table of cell texts, the label the
// page gives (frontend/model/cell-kind.ts, with Lezer's Python grammar where the routing table
// leaves the text to Python's parser) is how the kernel routes it: kernel/cells/route.ts, and for
// text without a marker the worker's own rewriting of IPython syntax (luci_worker/transform.py)
// and CPython's compile, run here in a real Python.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { routeCell } from "../../kernel/cells/route.js";
import { kindByRule, readKind, withKind } from "../../frontend/model/cell-kind.js";
import { ROOT } from "./support/browser.js";

const TABLE: string[] = [
  // Python that the page's old guess called a task
  "values[total]",
  "df.groupby('year')['total'].sum()",
  "x, y = y, x",
  "print(f'{total:>10,.2f}')",
  "data = {'a': 1,\n        'b': 2}\ndata",
  "def f(x):\n    return x * 2\n\nf(21)",
  "class Point:\n    x: int = 0",
  "for i in range(3):\n    print(i)",
  "with open('data.csv') as f:\n    rows = f.readlines()",
  "async def main():\n    return 1\nawait main()",
  "match command:\n    case 'go':\n        pass",
  "lambda: 0",
  "summarize",
  "not done",
  "(y := 10)",
  "@cache\ndef g():\n    pass",
  "try:\n    pass\nexcept ValueError as e:\n    raise",
  "import pandas as pd\ndf = pd.read_csv('sales.csv')",
  "x = 1; y = 2",
  "# only a comment",
  // IPython's syntax, which the worker rewrites before it compiles
  "%time total = sum(values)",
  "!ls -la",
  "files = !ls\nprint(files)",
  "%pip install requests",
  "for i in range(2):\n    %time i * 2",
  // cell magics and markers, which the routing table decides
  "%%time\nsum(range(10))",
  "%%bash\necho hi",
  "%%python\nprint(1",
  "%%task\nx = 1",
  "%%task\nPlot the sales",
  "%luci model qwen2.5-coder-0.5b",
  "%luci?",
  "%luci regenerate\nplot it again",
  // tasks
  "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years",
  "plot the totals by year",
  "now only for 2024",
  "What's the mean of the values?",
  "print(1",
  "1 +",
  "if x:\npass",
  "print 'hello'",
  "x := 1",
  "load sales.csv and show the first rows",
  "Sort the table by price, highest first",
];

/** How the kernel runs each text: the routing table, then for unmarked text the worker's parser. */
function kernelRoutes(sources: string[]): string[] {
  const unmarked = sources.map((s) => routeCell(s)).map((r) => (r.to === "python-or-task" ? r.code : null));
  const script = [
    "import ast, json, sys",
    "sys.path.insert(0, sys.argv[1])",
    "from luci_worker import transform",
    "out = []",
    "for code in json.load(sys.stdin):",
    "    if code is None:",
    "        out.append(None); continue",
    "    if transform.help_request(code):",
    "        out.append('python'); continue",
    "    try:",
    "        compile(transform.transform_cell(code), '<cell>', 'exec', flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)",
    "        out.append('python')",
    "    except (SyntaxError, ValueError, OverflowError):",
    "        out.append('task')",
    "print(json.dumps(out))",
  ].join("\n");
  const venv = join(ROOT, ".venv", "bin", "python");
  const python = existsSync(venv) ? venv : "python3";
  const parsed = JSON.parse(
    execFileSync(python, ["-c", script, join(ROOT, "kernel", "runtime", "worker")], { input: JSON.stringify(unmarked), encoding: "utf8" }),
  ) as (string | null)[];
  return sources.map((source, i) => {
    const route = routeCell(source);
    if (route.to === "task") return "task";
    if (route.to === "python" || route.to === "luci") return "python";
    return parsed[i]!;
  });
}

describe("a cell's label and the kernel's route", () => {
  it("agree for every text of the table", () => {
    const kernel = kernelRoutes(TABLE);
    const page = TABLE.map((source) => kindByRule(source));
    const disagree = TABLE.map((s, i) => `${JSON.stringify(s)}: page ${page[i]}, kernel ${kernel[i]}`).filter((_, i) => page[i] !== kernel[i]);
    expect(disagree).toEqual([]);
    // The table holds both kinds, so the agreement says something.
    expect(new Set(kernel)).toEqual(new Set(["python", "task"]));
  });

  it("a notebook's cell is labelled by its text, whatever kind an earlier page wrote into its metadata", () => {
    expect(readKind("code", "values[total]", { luci: { kind: "task" } })).toEqual({ kind: "python", guessed: true });
    expect(readKind("code", "plot the totals", { luci: { kind: "python" } })).toEqual({ kind: "task", guessed: true });
    expect(readKind("code", "%%python\nprint(1", {})).toEqual({ kind: "python", guessed: false });
    // An empty cell keeps the kind it was made as.
    expect(readKind("code", "", { luci: { kind: "python" } })).toEqual({ kind: "python", guessed: false });
    expect(readKind("markdown", "x = 1", {}).kind).toBe("markdown");
  });

  it("choosing a kind writes the marker the kernel reads, only where the text alone would run otherwise", () => {
    const cases: [string, "task" | "python", string][] = [
      ["values[total]", "task", "%%task\nvalues[total]"],
      ["values[total]", "python", "values[total]"],
      ["plot it", "python", "%%python\nplot it"],
      ["%%task\nvalues[total]", "python", "values[total]"],
      ["%%python\nplot it", "task", "plot it"],
      ["%%task\nplot it", "python", "%%python\nplot it"],
      ["", "task", ""],
    ];
    for (const [source, kind, expected] of cases) {
      const marked = withKind(source, kind);
      expect(marked, `${JSON.stringify(source)} as ${kind}`).toBe(expected);
      if (marked.trim()) expect(kernelRoutes([marked])[0]).toBe(kind);
    }
  });
});
