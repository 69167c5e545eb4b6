// Plain words for a worker that stopped: what happened, what it means for the notebook.
import { constants } from "node:os";
import type { WorkerExit } from "./executor.js";

const SIGNAL_MEANING: Partial<Record<NodeJS.Signals, string>> = {
  SIGSEGV: "it crashed with a segmentation fault (often a bug in a C extension or ctypes call)",
  SIGBUS: "it crashed with a bus error (a bad memory access in native code)",
  SIGABRT: "it aborted (native code called abort())",
  SIGFPE: "it crashed with a floating-point exception in native code",
  SIGILL: "it crashed on an illegal instruction in native code",
  SIGKILL: "it was killed (SIGKILL), often because the system ran out of memory",
  SIGTERM: "it was terminated (SIGTERM)",
};

export function describeExit(exit: WorkerExit): string {
  if (exit.error) return `it could not be started: ${exit.error}`;
  if (exit.reason) return exit.reason;
  if (exit.signal) {
    const number = constants.signals[exit.signal];
    return SIGNAL_MEANING[exit.signal] ?? `it was stopped by signal ${exit.signal}${number ? ` (${number})` : ""}`;
  }
  return `it exited with code ${exit.code} (for example through os._exit())`;
}

export function crashMessage(exit: WorkerExit): string {
  return (
    `The Python process running this notebook stopped while running this cell: ${describeExit(exit)}. ` +
    "Variables and imports from earlier cells are lost. A new Python process has been started, " +
    "so the next cell will run; run the earlier cells again to restore their state."
  );
}
