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
  /** The execute_request's msg_id: the worker's get_parent() answers it (ipywidgets' Output widget captures by it). */
  msgId?: string;
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

/** A comm message from a client (comm_open, comm_msg, comm_close), for the interpreter to handle. */
export interface CommRequest {
  msgType: "comm_open" | "comm_msg" | "comm_close";
  msgId: string;
  content: JsonObject;
  metadata: JsonObject;
  buffers: Buffer[];
}

/**
 * What an interpreter tells the core about comms: a comm message its code sent (published on
 * iopub with the request being handled as parent), and the loss of every comm (its process
 * died or was replaced: the core closes the comms it knew were open).
 */
export interface CommListener {
  message(msgType: "comm_open" | "comm_msg" | "comm_close", content: JsonObject, metadata: JsonObject, buffers: Buffer[]): void;
  lost(): void;
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
  /**
   * Jupyter comms (ipywidgets). An interpreter without them leaves both out, and the core
   * closes every comm a client opens, as ipykernel does for an unknown target.
   * `commMessage` handles one client message as code runs (output to `context`, one at a time
   * between cells); `onComm` is called once, by the core, with where comm events go.
   */
  commMessage?(request: CommRequest, context: ExecuteContext): Promise<void>;
  onComm?(listener: CommListener): void;
}
