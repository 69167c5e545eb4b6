// Where the output of one execution goes. The core implements it for each execute_request
// (publishing on iopub); the runtime and, later, the task pipeline write to it. It lives here,
// below both, so that neither depends on the other.
import type { JsonObject, MimeBundle } from "../protocol/messages.js";

export interface OutputSink {
  stream(name: "stdout" | "stderr", text: string): void;
  display(data: MimeBundle, metadata?: JsonObject, transient?: JsonObject): void;
  updateDisplay(data: MimeBundle, metadata: JsonObject, transient: JsonObject): void;
  clearOutput(wait: boolean): void;
  result(data: MimeBundle, metadata?: JsonObject): void;
  error(ename: string, evalue: string, traceback: string[]): void;
  input(prompt: string, password: boolean): Promise<string>;
}

/** Output that arrives when no execution is running (a thread printing late) goes nowhere. */
export const discardingSink: OutputSink = {
  stream() {},
  display() {},
  updateDisplay() {},
  clearOutput() {},
  result() {},
  error() {},
  input: () => Promise.reject(new Error("no execution is running")),
};
