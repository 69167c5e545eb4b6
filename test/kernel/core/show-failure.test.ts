// One failure type shown in one place, in-process: a CellFailure is the cell's error in its own
// words; anything else is a bug, logged with its stack and shown as an internal error.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CellFailure, UsageError } from "../../../kernel/common/cell-failure.js";
import { showFailure } from "../../../kernel/core/show-failure.js";
import type { OutputSink } from "../../../kernel/common/output-sink.js";

function recordingSink() {
  const errors: { ename: string; evalue: string; traceback: string[] }[] = [];
  const sink = { error: (ename: string, evalue: string, traceback: string[]) => errors.push({ ename, evalue, traceback }) } as unknown as OutputSink;
  return { sink, errors };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("showFailure", () => {
  it("shows a CellFailure as its kind and message, with one red ename line", () => {
    const { sink, errors } = recordingSink();
    const outcome = showFailure(sink, new CellFailure("PythonUnavailable", "Python could not be started"));
    expect(outcome).toEqual({
      status: "error",
      ename: "PythonUnavailable",
      evalue: "Python could not be started",
      traceback: ["\x1b[0;31mPythonUnavailable\x1b[0m: Python could not be started"],
      repairable: false,
    });
    expect(errors).toEqual([{ ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback }]);
  });

  it("says whether self-repair may try: only when the failure was made repairable", () => {
    const { sink } = recordingSink();
    expect(showFailure(sink, new CellFailure("ValueError", "bad value", { repairable: true })).repairable).toBe(true);
    expect(showFailure(sink, new UsageError("no")).repairable).toBe(false);
  });

  it("a subclass keeps its kind (UsageError)", () => {
    const { sink } = recordingSink();
    expect(showFailure(sink, new UsageError("%luci frobnicate is not known")).ename).toBe("UsageError");
  });

  it("anything else is a bug: logged with its stack, shown as an InternalError that says so", () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const { sink } = recordingSink();
    const bug = new TypeError("cannot read properties of undefined (reading 'code')");
    const outcome = showFailure(sink, bug);
    expect(outcome.ename).toBe("InternalError");
    expect(outcome.evalue).toMatch(
      /Luci failed unexpectedly \(cannot read properties of undefined \(reading 'code'\)\)\. This is a bug in Luci; the kernel's log has the details/,
    );
    const logged = written.join("");
    expect(logged).toContain("internal error in a cell: TypeError: cannot read properties");
    expect(logged).toContain("show-failure.test.ts"); // the stack
  });

  it("a thrown non-Error is a bug too", () => {
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const { sink } = recordingSink();
    expect(showFailure(sink, "a string").ename).toBe("InternalError");
  });
});
