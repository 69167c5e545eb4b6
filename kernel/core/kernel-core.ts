// KernelCore: the protocol logic of a Jupyter kernel (xeus' xkernel_core, ipykernel's
// kernelbase). Shell requests run one at a time in arrival order; control requests are
// answered at once, even while code runs. Every request handled is wrapped in busy ... idle.
import { errorMessage, errorStack } from "../common/errors.js";
import { log } from "../common/log.js";
import { PROTOCOL_VERSION, type JsonObject, type Message } from "../protocol/messages.js";
import type { RequestChannel, Transport } from "../protocol/transport.js";
import { RequestContext } from "./execute-context.js";
import { History, type HistoryQuery } from "./history.js";
import type { CommListener, CommRequest, ExecuteOutcome, Interpreter } from "./interpreter.js";

type Handler = (message: Message, channel: RequestChannel) => Promise<void>;

/** Answered at once on any channel, even while a cell runs; everything else waits its turn. */
const IMMEDIATE = new Set(["kernel_info_request", "interrupt_request", "shutdown_request"]);

interface Queued {
  channel: RequestChannel;
  message: Message;
}

export interface KernelCoreOptions {
  /** Called after a shutdown_request has been answered. */
  onShutdown?: (restart: boolean) => void;
}

export class KernelCore {
  private executionCount = 0;
  private readonly history = new History();
  private readonly shellQueue: Queued[] = [];
  private shellRunning = false;
  /** execute_requests to answer with "aborted" after an error with stop_on_error. */
  private readonly aborting = new Set<Message>();
  private current?: RequestContext;
  private shuttingDown = false;
  private readonly handlers: Record<string, Handler>;
  /**
   * The request comm messages from the interpreter are published under: the execute_request
   * or client comm message being handled, or the last one (a thread's widget update between
   * cells), as ipykernel's get_parent().
   */
  private commParent?: Message;
  /** The comms open between the clients and the interpreter (comm_id -> target_name), for comm_info and for closing them when they die. */
  private readonly openComms = new Map<string, string>();
  private readonly commListener: CommListener = {
    message: (msgType, content, metadata, buffers) => this.publishComm(msgType, content, metadata, buffers),
    lost: () => this.closeAllComms(this.commParent),
  };

  constructor(
    private readonly transport: Transport,
    private readonly interpreter: Interpreter,
    private readonly options: KernelCoreOptions = {},
  ) {
    this.handlers = {
      execute_request: (m, c) => this.execute(m, c),
      kernel_info_request: (m, c) => this.reply(c, m, "kernel_info_reply", this.kernelInfo()),
      complete_request: (m, c) => this.answer(c, m, "complete_reply", () => this.complete(m)),
      inspect_request: (m, c) => this.answer(c, m, "inspect_reply", () => this.inspect(m)),
      is_complete_request: (m, c) => this.answer(c, m, "is_complete_reply", () => this.isComplete(m)),
      history_request: (m, c) => this.reply(c, m, "history_reply", this.historyReply(m)),
      comm_info_request: (m, c) => this.reply(c, m, "comm_info_reply", this.commInfo(m)),
      comm_open: (m) => this.comm(m),
      comm_msg: (m) => this.comm(m),
      comm_close: (m) => this.comm(m),
      interrupt_request: (m, c) => this.interrupt(m, c),
      shutdown_request: (m, c) => this.shutdown(m, c),
    };
    interpreter.onComm?.(this.commListener);
  }

  /** Starts the transport and announces the kernel (status: starting, once). */
  async start(): Promise<void> {
    await this.transport.start((channel, message) => this.receive(channel, message));
    this.transport.publish({ msgType: "status", content: { execution_state: "starting" } });
  }

  private receive(channel: RequestChannel, message: Message): void {
    const type = message.header.msg_type;
    log("debug", `${channel} ${type} ${message.header.msg_id}`);
    if (channel === "stdin") {
      if (type === "input_reply") this.inputReply(message);
      else log("warn", `ignored ${type} on stdin`);
      return;
    }
    if (!(type in this.handlers)) {
      log("warn", `ignored unknown ${channel} message ${JSON.stringify(type).slice(0, 80)}`);
      return;
    }
    if (IMMEDIATE.has(type) && (channel === "control" || type !== "kernel_info_request")) {
      void this.dispatch(channel, message);
      return;
    }
    this.shellQueue.push({ channel, message });
    if (!this.shellRunning) void this.drainShell();
  }

  private async drainShell(): Promise<void> {
    this.shellRunning = true;
    while (this.shellQueue.length > 0) {
      const { channel, message } = this.shellQueue.shift()!;
      const type = message.header.msg_type;
      if (type === "execute_request" || commType(type)) this.commParent = message;
      if (this.aborting.delete(message)) await this.busyIdle(message, () => this.abortReply(message, channel));
      else await this.dispatch(channel, message);
    }
    this.shellRunning = false;
  }

  private async dispatch(channel: RequestChannel, message: Message): Promise<void> {
    const handler = this.handlers[message.header.msg_type]!;
    log("debug", `handling ${channel} ${message.header.msg_type} ${message.header.msg_id}`);
    await this.busyIdle(message, () => handler(message, channel));
  }

  private async busyIdle(message: Message, work: () => Promise<void>): Promise<void> {
    this.status("busy", message);
    try {
      await work();
    } catch (err) {
      log("error", `${message.header.msg_type} failed: ${errorStack(err)}`);
    } finally {
      this.status("idle", message);
    }
  }

  private status(state: "busy" | "idle", parent: Message): void {
    this.transport.publish({ msgType: "status", parent, content: { execution_state: state } });
  }

  private async reply(channel: RequestChannel, request: Message, msgType: string, content: JsonObject, metadata: JsonObject = {}): Promise<void> {
    this.transport.send(channel, request.identities, { msgType, parent: request, content, metadata });
  }

  /** Replies with what `compute` returns, or with an error reply if it throws. */
  private async answer(channel: RequestChannel, request: Message, msgType: string, compute: () => Promise<JsonObject>) {
    let content: JsonObject;
    try {
      content = await compute();
    } catch (err) {
      content = { status: "error", ename: "KernelError", evalue: errorMessage(err), traceback: [] };
    }
    await this.reply(channel, request, msgType, content);
  }

  private kernelInfo(): JsonObject {
    return { status: "ok", protocol_version: PROTOCOL_VERSION, ...this.interpreter.kernelInfo() };
  }

  private async execute(message: Message, channel: RequestChannel): Promise<void> {
    const c = message.content;
    if (typeof c.code !== "string") {
      const evalue = "execute_request without code (content.code must be a string)";
      await this.reply(channel, message, "execute_reply", {
        status: "error",
        execution_count: this.executionCount,
        ename: "BadRequest",
        evalue,
        traceback: [evalue],
      });
      return;
    }
    const code = c.code;
    const silent = c.silent === true;
    const storeHistory = silent ? false : c.store_history !== false;
    const stopOnError = c.stop_on_error !== false;
    if (storeHistory) this.executionCount += 1;
    const count = this.executionCount;
    const allowStdin = c.allow_stdin === true;
    if (!silent) this.transport.publish({ msgType: "execute_input", parent: message, content: { code, execution_count: count } });
    if (storeHistory) this.history.add(count, code);

    const context = new RequestContext(this.transport, message, count, silent, allowStdin);
    this.current = context;
    let outcome: ExecuteOutcome;
    try {
      outcome = await this.interpreter.execute(
        {
          code,
          silent,
          storeHistory,
          allowStdin,
          stopOnError,
          userExpressions: isStringRecord(c.user_expressions) ? c.user_expressions : {},
          executionCount: count,
          cellId: typeof message.metadata.cellId === "string" ? message.metadata.cellId : undefined,
          msgId: message.header.msg_id,
        },
        context,
      );
    } catch (err) {
      const evalue = `the kernel failed while running this cell: ${errorMessage(err)}`;
      context.error("KernelError", evalue, [evalue]);
      outcome = { status: "error", ename: "KernelError", evalue, traceback: [evalue] };
    } finally {
      context.cancelInput("the cell finished");
      this.current = undefined;
    }
    if (storeHistory && context.resultText !== null) this.history.setOutput(count, context.resultText);

    const content: JsonObject =
      outcome.status === "ok"
        ? { status: "ok", execution_count: count, user_expressions: outcome.userExpressions ?? {}, payload: outcome.payload ?? [] }
        : { status: "error", execution_count: count, ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
    await this.reply(channel, message, "execute_reply", content, outcome.ranAs ? { luci: { ran_as: outcome.ranAs } } : {});
    // As ipykernel: a silent request (a variable inspector's, say) never aborts the user's cells.
    if (outcome.status === "error" && stopOnError && !silent) this.abortQueued();
  }

  /**
   * After an error with stop_on_error, the execute_requests already received are answered
   * "aborted" (ipykernel's _abort_queues). The transport reads its sockets eagerly, so the
   * queue holds what the client sent before it could see the error; a request sent after the
   * reply is never aborted.
   */
  private abortQueued(): void {
    for (const { message } of this.shellQueue) {
      if (message.header.msg_type === "execute_request") this.aborting.add(message);
    }
  }

  private async abortReply(message: Message, channel: RequestChannel): Promise<void> {
    await this.reply(channel, message, "execute_reply", { status: "aborted", execution_count: this.executionCount });
  }

  private complete(message: Message): Promise<JsonObject> {
    const { code, cursor_pos } = message.content;
    const text = typeof code === "string" ? code : "";
    return this.interpreter.complete(text, typeof cursor_pos === "number" ? cursor_pos : [...text].length);
  }

  private inspect(message: Message): Promise<JsonObject> {
    const { code, cursor_pos, detail_level } = message.content;
    const text = typeof code === "string" ? code : "";
    return this.interpreter.inspect(text, typeof cursor_pos === "number" ? cursor_pos : [...text].length, detail_level === 1 ? 1 : 0);
  }

  private isComplete(message: Message): Promise<JsonObject> {
    const { code } = message.content;
    return this.interpreter.isComplete(typeof code === "string" ? code : "");
  }

  private historyReply(message: Message): JsonObject {
    return { status: "ok", history: this.history.query(historyQuery(message.content)) };
  }

  /**
   * A client's comm_open / comm_msg / comm_close: handled by the interpreter in the shell's
   * order (one waits for the running cell, as in ipykernel), its handler's output published with
   * the message as parent. Without comms in the interpreter every comm_open is closed at once.
   */
  private async comm(message: Message): Promise<void> {
    const msgType = commType(message.header.msg_type);
    if (!msgType) return;
    const { comm_id: commId, target_name: target } = message.content;
    if (typeof commId !== "string" || !commId) {
      log("warn", `ignored a ${msgType} without a comm_id (content.comm_id must be a non-empty string)`);
      return;
    }
    if (msgType === "comm_open" && (typeof target !== "string" || !this.interpreter.commMessage)) {
      log("warn", `closing comm ${commId}: no handler for target ${JSON.stringify(target).slice(0, 80)}`);
      this.transport.publish({ msgType: "comm_close", parent: message, content: { comm_id: commId, data: {} } });
      return;
    }
    this.track(msgType, commId, target);
    if (!this.interpreter.commMessage) return;
    const context = new RequestContext(this.transport, message, this.executionCount, false, false);
    await this.interpreter.commMessage(
      { msgType, msgId: message.header.msg_id, content: message.content, metadata: message.metadata, buffers: message.buffers },
      context,
    );
  }

  /** Keeps the table of open comms, whichever side opened or closed one. */
  private track(msgType: CommRequest["msgType"], commId: string, target: unknown): void {
    if (msgType === "comm_open" && typeof target === "string") this.openComms.set(commId, target);
    else if (msgType === "comm_close") this.openComms.delete(commId);
  }

  /** comm_info_reply: the open comms, only those of content.target_name when it is given. */
  private commInfo(message: Message): JsonObject {
    const wanted = message.content.target_name;
    const comms: JsonObject = {};
    for (const [id, target] of this.openComms) {
      if (typeof wanted !== "string" || !wanted || target === wanted) comms[id] = { target_name: target };
    }
    return { status: "ok", comms };
  }

  /** A comm message the interpreter's code sent: published as the request being handled's. */
  private publishComm(msgType: CommRequest["msgType"], content: JsonObject, metadata: JsonObject, buffers: Buffer[]): void {
    if (typeof content.comm_id === "string") this.track(msgType, content.comm_id, content.target_name);
    this.transport.publish({ msgType, parent: this.commParent, content, metadata, buffers });
  }

  /** The interpreter lost its comms (restart, its process died): the clients are told each is closed. */
  private closeAllComms(parent: Message | undefined): void {
    for (const commId of this.openComms.keys()) {
      this.transport.publish({ msgType: "comm_close", parent, content: { comm_id: commId, data: {} } });
    }
    this.openComms.clear();
  }

  private async interrupt(message: Message, channel: RequestChannel): Promise<void> {
    this.interpreter.interrupt();
    await this.reply(channel, message, "interrupt_reply", { status: "ok" });
  }

  /** SIGINT to the kernel's process group interrupts like an interrupt_request. */
  interruptFromSignal(): void {
    this.interpreter.interrupt();
  }

  private async shutdown(message: Message, channel: RequestChannel): Promise<void> {
    const restart = message.content.restart === true;
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const content = { status: "ok", restart };
    await this.reply(channel, message, "shutdown_reply", content);
    // ipykernel also publishes the reply on iopub, so every client learns of the shutdown.
    this.transport.publish({ msgType: "shutdown_reply", parent: message, content });
    // The comms die with the interpreter, and the clients know it: a Jupyter server announces
    // the restart or the shutdown, and JupyterLab's kernel connection drops its comms then (a
    // comm_close after it is logged as "Comm not found", one per widget). So, as ipykernel,
    // publish none: only forget them (the worker's exit then closes nothing more).
    this.openComms.clear();
    try {
      await this.interpreter.shutdown(restart);
    } catch (err) {
      log("warn", `interpreter shutdown: ${errorMessage(err)}`);
    }
    setImmediate(() => this.options.onShutdown?.(restart));
  }

  private inputReply(message: Message): void {
    const value = message.content.value;
    if (typeof value !== "string" || !this.current?.deliverInput(value, message.parent_header.msg_id)) {
      log("warn", "ignored an input_reply that nothing was waiting for");
    }
  }
}

/** A client's comm message type (handled in the shell's order, like an execute_request), else undefined. */
function commType(type: string): CommRequest["msgType"] | undefined {
  return type === "comm_open" || type === "comm_msg" || type === "comm_close" ? type : undefined;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && Object.values(value).every((v) => typeof v === "string");
}

/** A history_request's fields, each kept only when it has the type the protocol gives it. */
function historyQuery(content: JsonObject): HistoryQuery {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const number = (value: unknown) => (typeof value === "number" ? value : undefined);
  const flag = (value: unknown) => (typeof value === "boolean" ? value : undefined);
  return {
    hist_access_type: text(content.hist_access_type),
    output: flag(content.output),
    session: number(content.session),
    start: number(content.start),
    stop: number(content.stop),
    n: number(content.n),
    pattern: text(content.pattern),
    unique: flag(content.unique),
  };
}
