// The page's model, without a browser: nbformat 4.5 in and out, the kind of a cell and what the
// kernel receives for it, and parameters written back into a task's text.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kindOf, ranAs } from "../../frontend/model/cell-kind.js";
import { fromNbformat, splitLines, toNbformat } from "../../frontend/model/nbformat.js";
import { literalFor, taskParameters, withParameter } from "../../frontend/model/task-parameters.js";
import { ROOT } from "./support/browser.js";

const LOAN = "Monthly payment on a loan of {principal=250000} at {rate=0.05} for {years=30} years, printed with two decimals";

describe("nbformat", () => {
  it("reads the example notebook: kinds guessed, ids made, and writes nbformat 4.5 with kernelspec, a guessed kind left out", () => {
    const json: unknown = JSON.parse(readFileSync(join(ROOT, "notebooks", "loan-payment.ipynb"), "utf8"));
    const model = fromNbformat("loan-payment.ipynb", json);
    expect(model.cells.map((c) => c.kind)).toEqual(["markdown", "python", "task", "task"]);
    const out = toNbformat(model, { name: "luci", display_name: "Luci", language: "python" }, { name: "python", version: "3.11.7" });
    expect([out.nbformat, out.nbformat_minor]).toEqual([4, 5]);
    expect(out.metadata.kernelspec).toEqual({ name: "luci", display_name: "Luci", language: "python" });
    expect(out.metadata.language_info).toEqual({ name: "python", version: "3.11.7" });
    expect(new Set(out.cells.map((c) => c.id)).size).toBe(4);
    expect(out.cells.every((c) => /^[a-zA-Z0-9-_]{1,64}$/.test(c.id!))).toBe(true);
    // A guess is not written: read again, the cell is guessed again, or the kernel says how it ran.
    expect(out.cells[1]!.metadata).toEqual({ tags: ["parameters"] });
    expect(out.cells[0]).not.toHaveProperty("outputs");
    // Read back: the same cells, ids and kinds.
    const again = fromNbformat("loan-payment.ipynb", JSON.parse(JSON.stringify(out)));
    expect(again.cells.map((c) => [c.id, c.kind, c.source])).toEqual(model.cells.map((c) => [c.id, c.kind, c.source]));
  });

  it("keeps outputs as they are, records included, with text split into lines and JSON left whole", () => {
    const record = { version: 1, task: LOAN, code: "print(1)\n", signature: "ab" };
    const model = fromNbformat("x.ipynb", {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        {
          id: "a",
          cell_type: "code",
          source: LOAN,
          metadata: { luci: { kind: "task" } },
          execution_count: 3,
          outputs: [
            { output_type: "stream", name: "stdout", text: ["1342.05\n"] },
            { output_type: "display_data", data: { "text/plain": ["Recorded code\n", "more"], "application/vnd.luci.record+json": record }, metadata: {} },
            { output_type: "execute_result", data: { "text/plain": "42" }, metadata: {}, execution_count: 3 },
            { output_type: "error", ename: "E", evalue: "v", traceback: ["t"] },
          ],
        },
      ],
    });
    const cell = toNbformat(model, { name: "luci", display_name: "Luci", language: "python" }).cells[0]!;
    expect(cell.execution_count).toBe(3);
    expect(cell.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: ["1342.05\n"] },
      { output_type: "display_data", data: { "text/plain": ["Recorded code\n", "more"], "application/vnd.luci.record+json": record }, metadata: {} },
      { output_type: "execute_result", data: { "text/plain": ["42"] }, metadata: {}, execution_count: 3 },
      { output_type: "error", ename: "E", evalue: "v", traceback: ["t"] },
    ]);
  });

  it("refuses what is not a notebook, and makes new ids for duplicates", () => {
    expect(() => fromNbformat("x.ipynb", { cells: "no" })).toThrow(/not a notebook/);
    const model = fromNbformat("x.ipynb", {
      nbformat: 4,
      nbformat_minor: 4,
      metadata: {},
      cells: [
        { id: "same", cell_type: "markdown", source: "a" },
        { id: "same", cell_type: "markdown", source: "b" },
      ],
    });
    expect(model.cells[0]!.id).toBe("same");
    expect(model.cells[1]!.id).not.toBe("same");
    expect(splitLines("a\nb\n")).toEqual(["a\n", "b\n"]);
    expect(splitLines("")).toEqual([]);
  });
});

describe("cell kinds", () => {
  // The label against the kernel's route, for a table of texts: test/frontend/cell-label.test.ts.
  it("follows the text: cell magics and markers, then Python's grammar", () => {
    expect(kindOf("code", "x = 1", { luci: { kind: "task" } })).toBe("python");
    expect(kindOf("code", "%%python\nprint(1", {})).toBe("python");
    expect(kindOf("code", "%%task\nx = 1", {})).toBe("task");
    expect(kindOf("code", "%%bash\nls", {})).toBe("python");
    expect(kindOf("markdown", "x = 1", {})).toBe("markdown");
    expect(kindOf("code", "import pandas as pd\ndf = pd.read_csv('a.csv')\nfor x in df:\n    print(x)", {})).toBe("python");
    expect(kindOf("code", "# Parameters\nrate = 0.05", {})).toBe("python");
    expect(kindOf("code", "load sales.csv and plot revenue by month", {})).toBe("task");
    expect(kindOf("code", LOAN, {})).toBe("task");
  });

  it("labels a %luci command as Python, as the routing table runs it (by the kernel, not as a task)", () => {
    expect(kindOf("code", "%luci model", {})).toBe("python");
    expect(kindOf("code", "%luci regenerate\nplot it", {})).toBe("task");
  });

  it("reads how the kernel ran a cell from the execute_reply's metadata", () => {
    expect(ranAs({ luci: { ran_as: "task" } })).toBe("task");
    expect(ranAs({ luci: { ran_as: "python" } })).toBe("python");
    expect(ranAs({ luci: { ran_as: "command" } })).toBe("python");
    expect(ranAs({})).toBeUndefined();
    expect(ranAs(undefined)).toBeUndefined();
  });

  it("writes the kind only where the text's markers decide it (Python's parser decides the rest on every read)", () => {
    const model = fromNbformat("g.ipynb", {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { id: "a", cell_type: "code", metadata: {}, source: "values[total]", outputs: [], execution_count: null },
        { id: "b", cell_type: "code", metadata: { luci: { kind: "task" } }, source: "values[total]", outputs: [], execution_count: null },
        { id: "c", cell_type: "code", metadata: {}, source: "%%task\nvalues[total]", outputs: [], execution_count: null },
      ],
    });
    expect(model.cells.map((c) => [c.kind, c.kindGuessed ?? false])).toEqual([
      ["python", true],
      ["python", true],
      ["task", false],
    ]);
    const written = toNbformat(model, { name: "luci", display_name: "Luci", language: "python" });
    expect(written.cells[0]!.metadata).toEqual({});
    expect(written.cells[1]!.metadata).toEqual({});
    expect(written.cells[2]!.metadata).toEqual({ luci: { kind: "task" } });
  });
});

describe("task parameters", () => {
  it("lists each parameter once and rewrites every occurrence of a name", () => {
    const text = "Use {rate=0.05} now and {rate=0.05} later, for {name='Ada'}";
    expect(taskParameters(text).parameters.map((p) => [p.name, p.raw])).toEqual([
      ["rate", "0.05"],
      ["name", "'Ada'"],
    ]);
    expect(withParameter(text, "rate", "0.07")).toBe("Use {rate=0.07} now and {rate=0.07} later, for {name='Ada'}");
    expect(withParameter(LOAN, "years", "15")).toBe(LOAN.replace("{years=30}", "{years=15}"));
  });

  it("takes a Python literal as typed, quotes plain text for a string parameter, refuses the rest", () => {
    const [rate, name] = taskParameters("{rate=0.05} {name='Ada'}").parameters;
    expect(literalFor("0.07", rate!)).toBe("0.07");
    expect(literalFor("seven", rate!)).toBeUndefined();
    expect(literalFor("Grace Hopper", name!)).toBe('"Grace Hopper"');
    expect(literalFor("'Grace'", name!)).toBe("'Grace'");
    expect(taskParameters("{2x=5}").problems[0]).toMatch(/not a valid parameter name/);
  });
});
