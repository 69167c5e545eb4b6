// KernelCore in-process, as xeus tests its core: a fake transport (messages in, what is sent and
// published recorded) and a scripted interpreter (no Python, no ZeroMQ). Checks the core's own
// rules in milliseconds: busy and idle around every request, execute_input and the execution
// count, the reply's content and metadata from the interpreter's outcome, and stop_on_error.
import { describe, expect, it } from "vitest";
import type { CommListener, CommRequest, ExecuteContext, ExecuteOutcome, ExecuteRequest, Interpreter, KernelInfo } from "../../../kernel/core/interpreter.js";
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

/** Comms as a language would have them: "open" in a cell opens one from code; a client's comm_msg is echoed with a buffer. */
class CommInterpreter extends ScriptedInterpreter {
  listener?: CommListener;
  readonly handled: CommRequest[] = [];
  onComm(listener: CommListener) {
    this.listener = listener;
  }
  override execute(request: ExecuteRequest, context: ExecuteContext): Promise<ExecuteOutcome> {
    if (request.code === "open") this.listener!.message("comm_open", { comm_id: "py1", target_name: "widget", data: {} }, { version: "2" }, []);
    return super.execute(request, context);
  }
  commMessage(request: CommRequest, context: ExecuteContext): Promise<void> {
    this.handled.push(request);
    if (request.msgType === "comm_msg") {
      context.stream("stdout", "handled\n");
      this.listener!.message("comm_msg", { comm_id: request.content.comm_id, data: { echo: true } }, {}, [Buffer.from("xy")]);
    }
    return Promise.resolve();
  }
}

describe("KernelCore comms", () => {
  async function withComms() {
    const transport = new FakeTransport();
    const interpreter = new CommInterpreter();
    await new KernelCore(transport, interpreter).start();
    return { transport, interpreter };
  }

  async function commInfo(transport: FakeTransport, content: JsonObject = {}): Promise<JsonObject> {
    const before = transport.sent.length;
    transport.deliver("shell", request("comm_info_request", content));
    await settled(transport, transport.sent.filter((s) => s.message.msgType.endsWith("_reply")).length + 1);
    return transport.sent.slice(before).find((s) => s.message.msgType === "comm_info_reply")!.message.content;
  }

  it("publishes the interpreter's comm messages under the request being handled, buffers included", async () => {
    const { transport, interpreter } = await withComms();
    const cell = execute("open");
    transport.deliver("shell", cell);
    await settled(transport, 1);
    const opened = transport.published.find((m) => m.msgType === "comm_open")!;
    expect(opened).toMatchObject({ parent: cell, content: { comm_id: "py1", target_name: "widget" }, metadata: { version: "2" } });

    const comm = request("comm_msg", { comm_id: "py1", data: { value: 3 } });
    comm.buffers = [Buffer.from("in")];
    const before = transport.published.length;
    transport.deliver("shell", comm);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(interpreter.handled.map((h) => [h.msgType, h.msgId, h.content.data, h.buffers.map(String)])).toEqual([
      ["comm_msg", comm.header.msg_id, { value: 3 }, ["in"]],
    ]);
    const after = transport.published.slice(before);
    expect(after.map((m) => (m.msgType === "status" ? `status:${String(m.content.execution_state)}` : m.msgType))).toEqual([
      "status:busy",
      "stream",
      "comm_msg",
      "status:idle",
    ]);
    expect(after.every((m) => m.parent === comm)).toBe(true);
    expect(after[2]!.buffers!.map(String)).toEqual(["xy"]);
  });

  it("answers comm_info from the comms opened and not closed, by target_name; closes them all when the interpreter loses them", async () => {
    const { transport, interpreter } = await withComms();
    transport.deliver("shell", execute("open"));
    transport.deliver("shell", request("comm_open", { comm_id: "c1", target_name: "control", data: {} }));
    transport.deliver("shell", request("comm_open", { comm_id: "c2", target_name: "control", data: {} }));
    transport.deliver("shell", request("comm_close", { comm_id: "c2", data: {} }));
    await settled(transport, 1);
    expect(await commInfo(transport)).toEqual({ status: "ok", comms: { py1: { target_name: "widget" }, c1: { target_name: "control" } } });
    expect(await commInfo(transport, { target_name: "control" })).toEqual({ status: "ok", comms: { c1: { target_name: "control" } } });
    expect(interpreter.handled.map((h) => h.msgType)).toEqual(["comm_open", "comm_open", "comm_close"]);

    interpreter.listener!.lost();
    const closed = transport.published.filter((m) => m.msgType === "comm_close").map((m) => m.content.comm_id);
    expect(closed).toEqual(["py1", "c1"]);
    expect(await commInfo(transport)).toEqual({ status: "ok", comms: {} });
  });

  it("without comms in the interpreter, closes each comm_open at once", async () => {
    const { transport } = await started();
    const open = request("comm_open", { comm_id: "x", target_name: "anything", data: {} });
    transport.deliver("shell", open);
    await settled(transport, 0);
    expect(transport.published.find((m) => m.msgType === "comm_close")).toMatchObject({ parent: open, content: { comm_id: "x" } });
  });
});
