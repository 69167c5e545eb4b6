// One shape for a cell that failed. Every failure Luci reports in its own words (a usage error,
// Python that cannot start, an install that failed, code the gate stopped, a model that cannot be
// reached, a setting that cannot be used) is a CellFailure: its kind is the ename the cell shows,
// its message says what happened and what to do. Python's own exceptions come from the worker
// with their traceback and are not CellFailures. Shown by core/show-failure.ts, the one place a
// failure becomes the cell's error. No imports: every layer may throw one.

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
