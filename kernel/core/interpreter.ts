// The seam between the protocol logic (KernelCore) and a language (xeus' xinterpreter):
// the core owns message order, busy/idle, counters and history; an Interpreter only runs code
// and answers questions about it, reporting output through an ExecuteContext.
import type { JsonObject, MimeBundle } from "../protocol/messages.js";

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
export interface ExecuteContext {
  stream(name: "stdout" | "stderr", text: string): void;
  display(data: MimeBundle, metadata?: JsonObject, transient?: JsonObject): void;
  updateDisplay(data: MimeBundle, metadata: JsonObject, transient: JsonObject): void;
  clearOutput(wait: boolean): void;
  result(data: MimeBundle, metadata?: JsonObject): void;
  error(ename: string, evalue: string, traceback: string[]): void;
  /** Asks the client for a line of input (input_request on stdin). */
  input(prompt: string, password: boolean): Promise<string>;
}

export type ExecuteOutcome =
  | { status: "ok"; userExpressions?: JsonObject; payload?: JsonObject[] }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

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
