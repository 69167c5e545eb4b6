// One shape for a cell that failed, and one place that shows it. Every failure Luci reports in
// its own words (a usage error, Python that cannot start, an install that failed, code the gate
// stopped, a model that cannot be reached) is a CellFailure: its kind is the ename the cell
// shows, its message says what happened and what to do. Python's own exceptions come from the
// worker with their traceback and are not CellFailures.
//
// Anything else thrown on the way to a cell is a bug of Luci's: showFailure logs it with its
// stack (the kernel's log, stderr) and shows it as an InternalError that says so, rather than
// dressing it as an ordinary cell error with no trace anywhere.
import { log } from "../common/log.js";
import type { OutputSink } from "../common/output-sink.js";

export class CellFailure extends Error {
  /** Whether self-repair may send this failure back to the model: never, unless said (a change of code cannot fix what Luci refused). */
  readonly repairable: boolean;

  /** The ename the cell shows: UsageError, PythonUnavailable, ValidationFailed, ... */
  get kind(): string {
    return this.name;
  }

  constructor(kind: string, message: string, options: { cause?: unknown; repairable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = kind;
    this.repairable = options.repairable ?? false;
  }
}

/** A command used the wrong way (%luci, %pip): the message says the right way. */
export class UsageError extends CellFailure {
  constructor(message: string) {
    super("UsageError", message);
  }
}

export interface ErrorOutcome {
  status: "error";
  ename: string;
  evalue: string;
  traceback: string[];
  /** False for a failure Luci reported (a CellFailure that is not repairable, an internal error); absent for Python's own exceptions. */
  repairable?: boolean;
}

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
