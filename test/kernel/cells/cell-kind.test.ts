import { describe, expect, it } from "vitest";
import { classifyCell } from "../../../kernel/cells/cell-kind.js";

describe("classifyCell", () => {
  it("%%task is always a task, with the magic line removed", () => {
    expect(classifyCell("%%task\nx = 1")).toEqual({ kind: "task", task: "x = 1" });
  });

  it("%%python is always Python, with the magic line removed", () => {
    expect(classifyCell("%%python\nload the data")).toEqual({ kind: "python", code: "load the data" });
  });

  it("other cell magics go to Python whole", () => {
    expect(classifyCell("%%time\nx = 1")).toEqual({ kind: "python", code: "%%time\nx = 1" });
  });

  it("anything else is decided by parsing it as Python", () => {
    expect(classifyCell("load sales.csv and plot revenue")).toEqual({ kind: "auto", code: "load sales.csv and plot revenue" });
    expect(classifyCell("x = 1")).toEqual({ kind: "auto", code: "x = 1" });
  });
});
