// The one place a failure becomes the cell's error output (a red ename line, as IPython shows
// one). A CellFailure (common/cell-failure.ts) is shown in its own words. Anything else thrown on
// the way to a cell is a bug of Luci's: it is logged with its stack (the kernel's log, stderr)
// and shown as an InternalError that says so, rather than dressed as an ordinary cell error with
// no trace anywhere.
import { CellFailure, type ErrorOutcome } from "../common/cell-failure.js";
import { log } from "../common/log.js";
import type { OutputSink } from "../common/output-sink.js";

/** The one place a failure becomes the cell's error output (a red ename line, as IPython shows one). */
export function showFailure(sink: OutputSink, err: unknown): ErrorOutcome {
  let ename: string;
  let evalue: string;
  let repairable = false;
  if (err instanceof CellFailure) {
    ename = err.kind;
    evalue = err.message;
    repairable = err.repairable;
  } else {
    const error = err instanceof Error ? err : new Error(String(err));
    log("error", `internal error in a cell: ${error.stack ?? error.message}`);
    ename = "InternalError";
    evalue = `Luci failed unexpectedly (${error.message}). This is a bug in Luci; the kernel's log has the details. The kernel is still running.`;
  }
  const traceback = [`\x1b[0;31m${ename}\x1b[0m: ${evalue}`];
  sink.error(ename, evalue, traceback);
  return { status: "error", ename, evalue, traceback, repairable };
}
