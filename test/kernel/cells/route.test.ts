// The routing table, in-process: each rule with the cells it takes and the cells it must leave
// to the next rule. The kernel and the page both route by it (the page's side:
// test/frontend/model.test.ts).
import { describe, expect, it } from "vitest";
import { ROUTES, routeCell, type CellRoute } from "../../../kernel/cells/route.js";

const TABLE: [source: string, route: CellRoute][] = [
  // %luci regenerate on the first line, the task below
  ["%luci regenerate\nplot the sales by month", { to: "task", task: "plot the sales by month", regenerate: true }],
  ["  %luci regenerate  \n\n plot it \n", { to: "task", task: "plot it", regenerate: true }],
  // %luci sweep on the first line, the task below: the task's recorded code over scenarios
  [
    "%luci sweep rate=0.03:0.08:0.01 years=15,30\nloan of {principal=200000} at {rate=0.05}",
    { to: "task", task: "loan of {principal=200000} at {rate=0.05}", regenerate: false, sweep: "rate=0.03:0.08:0.01 years=15,30" },
  ],
  ["%luci sweep\nloan at {rate=0.05}", { to: "task", task: "loan at {rate=0.05}", regenerate: false, sweep: "" }],
  // %%task: always a task, even when the text is Python
  ["%%task\nx = 1", { to: "task", task: "x = 1", regenerate: false }],
  ["%%task\n", { to: "task", task: "", regenerate: false }],
  // %%python: always Python, the magic line removed
  ["%%python\nload the data", { to: "python", code: "load the data" }],
  // another cell magic: Python, whole (the worker runs the magic)
  ["%%time\nx = 1", { to: "python", code: "%%time\nx = 1" }],
  ["%%bash\nls", { to: "python", code: "%%bash\nls" }],
  ["%%taskforce\nx", { to: "python", code: "%%taskforce\nx" }],
  // a %luci command alone: the kernel's, no Python
  ["%luci?", { to: "luci", command: "help", args: "" }],
  ["%luci", { to: "luci", command: "help", args: "" }],
  ["%luci env", { to: "luci", command: "env", args: "" }],
  ["  %luci model qwen2.5-coder-1.5b --temperature 0.2 \n", { to: "luci", command: "model", args: "qwen2.5-coder-1.5b --temperature 0.2" }],
  ["%luci run-anyway", { to: "luci", command: "run-anyway", args: "" }],
  ["%luci regenerate", { to: "luci", command: "regenerate", args: "" }],
  ["%luci trust other.ipynb", { to: "luci", command: "trust", args: "other.ipynb" }],
  ["%luci export out", { to: "luci", command: "export", args: "out" }],
  ["%luci sweep rate=0.03:0.08:0.01  years=15,30 ", { to: "luci", command: "sweep", args: "rate=0.03:0.08:0.01  years=15,30" }],
  ["%luci sweep rate=1,2\n\n", { to: "luci", command: "sweep", args: "rate=1,2" }],
  ["%luci sweeps\nx", { to: "python-or-task", code: "%luci sweeps\nx" }],
  // anything else: the worker's parser decides
  ["%luci env\nprint(1)", { to: "python-or-task", code: "%luci env\nprint(1)" }],
  ["%lucid", { to: "python-or-task", code: "%lucid" }],
  ["load sales.csv and plot revenue", { to: "python-or-task", code: "load sales.csv and plot revenue" }],
  ["x = 1", { to: "python-or-task", code: "x = 1" }],
  ["", { to: "python-or-task", code: "" }],
];

describe("routeCell", () => {
  for (const [source, route] of TABLE) {
    it(`${JSON.stringify(source)} -> ${route.to}`, () => {
      expect(routeCell(source)).toEqual(route);
    });
  }

  it("every rule of the table is exercised above", () => {
    const used = new Set(TABLE.map(([source]) => ROUTES.find((rule) => rule.pattern.test(source))!.name));
    expect([...used].sort()).toEqual(ROUTES.map((rule) => rule.name).sort());
  });
});
