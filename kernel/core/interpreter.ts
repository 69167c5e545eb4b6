// The seam between the protocol logic (KernelCore) and a language (xeus' xinterpreter):
// the core owns message order, busy/idle, counters and history; an Interpreter only runs code
// and answers questions about it, reporting output through an ExecuteContext.
import type { OutputSink } from "../common/output-sink.js";
import type { JsonObject } from "../protocol/messages.js";
import type { ErrorOutcome } from "../common/cell-failure.js";

export interface ExecuteRequest {
  code: string;
  silent: boolean;
  storeHistory: boolean;
  allowStdin: boolean;
  stopOnError: boolean;
  userExpressions: Record<string, string>;
  /** The count this execution is shown with (execute_input, execute_result, reply). */
  executionCount: number;
  /** JupyterLab and VS Code send metadata.cellId; nbclient does not. */
  cellId?: string;
}

/** Output of the running request; everything published has that request as its parent. */
export type ExecuteContext = OutputSink;

/**
 * How a cell ended: the kernel's one outcome type (an error is shown in the cell by
 * core/show-failure.ts, or by the worker for Python's own). `ranAs` says how the interpreter ran
 * the cell; it goes to the execute_reply's metadata (`luci.ran_as`), so a client that guessed a
 * cell's kind (the page, for a cell with none recorded) learns the kernel's.
 */
export type ExecuteOutcome = ({ status: "ok"; userExpressions?: JsonObject; payload?: JsonObject[] } | ErrorOutcome) & {
  ranAs?: "task" | "python" | "command";
};

export interface KernelInfo {
  implementation: string;
  implementation_version: string;
  language_info: JsonObject;
  banner: string;
  help_links: { text: string; url: string }[];
}

export interface Interpreter {
  kernelInfo(): KernelInfo;
  execute(request: ExecuteRequest, context: ExecuteContext): Promise<ExecuteOutcome>;
  complete(code: string, cursorPos: number): Promise<JsonObject>;
  inspect(code: string, cursorPos: number, detailLevel: number): Promise<JsonObject>;
  isComplete(code: string): Promise<JsonObject>;
  /** Interrupts the running execution, if any (interrupt_request or SIGINT). */
  interrupt(): void;
  shutdown(restart: boolean): Promise<void>;
}
