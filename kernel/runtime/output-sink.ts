// Where a worker's output for one execution goes. The kernel core's ExecuteContext has this
// shape; the runtime depends only on the shape, not on the core.
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
