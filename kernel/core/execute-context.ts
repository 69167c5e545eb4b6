// The ExecuteContext of one execute_request: publishes its output on iopub with the request
// as parent, drops output for silent requests, and turns input() into input_request on stdin.
import type { JsonObject, Message, MimeBundle } from "../protocol/messages.js";
import type { Transport } from "../protocol/transport.js";
import type { ExecuteContext } from "./interpreter.js";

class StdinNotAllowedError extends Error {
  constructor() {
    super("input was requested, but this client does not accept input (nbconvert and papermill run without it)");
  }
}

export class RequestContext implements ExecuteContext {
  /** Text of the last execute_result, kept for history's output. */
  resultText: string | null = null;
  private pendingInput?: { msgId: string; resolve: (value: string) => void; reject: (err: Error) => void };

  constructor(
    private readonly transport: Transport,
    private readonly request: Message,
    private readonly executionCount: number,
    private readonly silent: boolean,
    private readonly allowStdin: boolean,
  ) {}

  stream(name: "stdout" | "stderr", text: string): void {
    if (!this.silent && text) this.publish("stream", { name, text });
  }

  display(data: MimeBundle, metadata: JsonObject = {}, transient: JsonObject = {}): void {
    if (!this.silent) this.publish("display_data", { data, metadata, transient });
  }

  updateDisplay(data: MimeBundle, metadata: JsonObject, transient: JsonObject): void {
    if (!this.silent) this.publish("update_display_data", { data, metadata, transient });
  }

  clearOutput(wait: boolean): void {
    if (!this.silent) this.publish("clear_output", { wait });
  }

  result(data: MimeBundle, metadata: JsonObject = {}): void {
    if (this.silent) return;
    if (typeof data["text/plain"] === "string") this.resultText = data["text/plain"];
    this.publish("execute_result", { execution_count: this.executionCount, data, metadata });
  }

  error(ename: string, evalue: string, traceback: string[]): void {
    if (!this.silent) this.publish("error", { ename, evalue, traceback });
  }

  input(prompt: string, password: boolean): Promise<string> {
    if (!this.allowStdin) return Promise.reject(new StdinNotAllowedError());
    this.cancelInput("a new input request replaced it");
    return new Promise((resolve, reject) => {
      const msgId = this.transport.send("stdin", this.request.identities, {
        msgType: "input_request",
        parent: this.request,
        content: { prompt, password },
      });
      this.pendingInput = { msgId, resolve, reject };
    });
  }

  /**
   * An input_reply arrived on stdin. Returns false when nothing was waiting for it: a reply to
   * an earlier, abandoned prompt (its parent is that prompt) must not answer the current one.
   * A reply without a parent is taken, as clients that omit it expect.
   */
  deliverInput(value: string, parentId: string | undefined): boolean {
    const pending = this.pendingInput;
    if (!pending || (parentId && parentId !== pending.msgId)) return false;
    this.pendingInput = undefined;
    pending.resolve(value);
    return true;
  }

  cancelInput(reason: string): void {
    const pending = this.pendingInput;
    this.pendingInput = undefined;
    pending?.reject(new Error(reason));
  }

  private publish(msgType: string, content: JsonObject): void {
    this.transport.publish({ msgType, parent: this.request, content });
  }
}
