// KernelCore in-process, as xeus tests its core: a fake transport (messages in, what is sent and
// published recorded) and a scripted interpreter (no Python, no ZeroMQ). Checks the core's own
// rules in milliseconds: busy and idle around every request, execute_input and the execution
// count, the reply's content and metadata from the interpreter's outcome, and stop_on_error.
import { describe, expect, it } from "vitest";
import type { ExecuteContext, ExecuteOutcome, ExecuteRequest, Interpreter, KernelInfo } from "../../../kernel/core/interpreter.js";
import { KernelCore } from "../../../kernel/core/kernel-core.js";
import { HeaderFactory } from "../../../kernel/protocol/header.js";
import type { JsonObject, Message, Outgoing } from "../../../kernel/protocol/messages.js";
import type { MessageHandler, RequestChannel, Transport } from "../../../kernel/protocol/transport.js";
import { executeContent } from "../../../kernel/protocol/client.js";

class FakeTransport implements Transport {
  readonly session = "kernel-session";
  readonly sent: { channel: RequestChannel; message: Outgoing }[] = [];
  readonly published: Outgoing[] = [];
  private handler?: MessageHandler;
  start(handler: MessageHandler) {
    this.handler = handler;
    return Promise.resolve();
  }
  send(channel: RequestChannel, _route: readonly Buffer[], message: Outgoing) {
    this.sent.push({ channel, message });
    return `reply-${this.sent.length}`;
  }
  publish(message: Outgoing) {
    this.published.push(message);
  }
  flush() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
  deliver(channel: RequestChannel, message: Message) {
    this.handler!(channel, message);
  }
}

/** Answers each execute by its code: "fail" raises, anything else prints and succeeds. */
class ScriptedInterpreter implements Interpreter {
  readonly ran: string[] = [];
  kernelInfo(): KernelInfo {
    return { implementation: "scripted", implementation_version: "1", language_info: { name: "python" }, banner: "", help_links: [] };
  }
  execute(request: ExecuteRequest, context: ExecuteContext): Promise<ExecuteOutcome> {
    this.ran.push(request.code);
    if (request.code === "fail") {
      context.error("ValueError", "scripted", []);
      return Promise.resolve({ status: "error", ename: "ValueError", evalue: "scripted", traceback: [], ranAs: "python" });
    }
    context.stream("stdout", `ran ${request.code}\n`);
    return Promise.resolve({ status: "ok", ranAs: request.code.startsWith("%%task") ? "task" : "python" });
  }
  complete() {
    return Promise.resolve({ status: "ok", matches: [], cursor_start: 0, cursor_end: 0, metadata: {} });
  }
  inspect() {
    return Promise.resolve({ status: "ok", found: false, data: {}, metadata: {} });
  }
  isComplete() {
    return Promise.resolve({ status: "complete" });
  }
  interrupt() {}
  shutdown() {
    return Promise.resolve();
  }
}

const client = new HeaderFactory("tester");
function request(msgType: string, content: JsonObject): Message {
  return { identities: [Buffer.from("client")], header: client.make(msgType), parent_header: {}, metadata: {}, content, buffers: [] };
}
const execute = (code: string, stopOnError = true) => request("execute_request", executeContent(code, { stop_on_error: stopOnError }));

async function settled(transport: FakeTransport, replies: number): Promise<void> {
  for (let i = 0; i < 200 && transport.sent.filter((s) => s.message.msgType.endsWith("_reply")).length < replies; i++)
    await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

async function started() {
  const transport = new FakeTransport();
  const interpreter = new ScriptedInterpreter();
  const core = new KernelCore(transport, interpreter);
  await core.start();
  return { transport, interpreter };
}

describe("KernelCore with a fake transport and a scripted interpreter", () => {
  it("announces itself starting, then wraps an execute in busy, execute_input, output, reply, idle", async () => {
    const { transport } = await started();
    expect(transport.published[0]).toMatchObject({ msgType: "status", content: { execution_state: "starting" } });
    const message = execute("x = 1");
    transport.deliver("shell", message);
    await settled(transport, 1);
    const iopub = transport.published.slice(1).map((m) => (m.msgType === "status" ? `status:${String(m.content.execution_state)}` : m.msgType));
    expect(iopub).toEqual(["status:busy", "execute_input", "stream", "status:idle"]);
    expect(transport.published.slice(1).every((m) => m.parent === message)).toBe(true);
    const reply = transport.sent.find((s) => s.message.msgType === "execute_reply")!;
    expect(reply.channel).toBe("shell");
    expect(reply.message.content).toMatchObject({ status: "ok", execution_count: 1 });
    expect(reply.message.metadata).toEqual({ luci: { ran_as: "python" } });
  });

  it("counts executions and reports the interpreter's route in each reply's metadata", async () => {
    const { transport } = await started();
    transport.deliver("shell", execute("a"));
    transport.deliver("shell", execute("%%task\nplot it"));
    await settled(transport, 2);
    const replies = transport.sent.filter((s) => s.message.msgType === "execute_reply").map((s) => s.message);
    expect(replies.map((r) => [r.content.execution_count, r.metadata])).toEqual([
      [1, { luci: { ran_as: "python" } }],
      [2, { luci: { ran_as: "task" } }],
    ]);
  });

  it("an error with stop_on_error aborts what was queued behind it; without it, the next cell runs", async () => {
    const { transport, interpreter } = await started();
    transport.deliver("shell", execute("fail"));
    transport.deliver("shell", execute("after"));
    await settled(transport, 2);
    const statuses = transport.sent.filter((s) => s.message.msgType === "execute_reply").map((s) => s.message.content.status);
    expect(statuses).toEqual(["error", "aborted"]);
    expect(interpreter.ran).toEqual(["fail"]);

    const second = await started();
    second.transport.deliver("shell", execute("fail", false));
    second.transport.deliver("shell", execute("after"));
    await settled(second.transport, 2);
    expect(second.interpreter.ran).toEqual(["fail", "after"]);
  });

  it("answers kernel_info from the interpreter, on the channel it came", async () => {
    const { transport } = await started();
    transport.deliver("control", request("kernel_info_request", {}));
    await settled(transport, 1);
    const reply = transport.sent.find((s) => s.message.msgType === "kernel_info_reply")!;
    expect(reply.channel).toBe("control");
    expect(reply.message.content).toMatchObject({ implementation: "scripted", language_info: { name: "python" } });
  });
});
