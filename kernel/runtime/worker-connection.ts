// One running worker process and the kernel's side of PROTOCOL.md: commands out, events in,
// stdout and stderr read at the fd level, each event held until the output written before
// it has been passed on (sync markers), so a cell's output keeps its order.
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { errorMessage } from "../common/errors.js";
import { log } from "../common/log.js";
import type { JsonObject } from "../protocol/messages.js";
import type { BesideWorker, Executor, WorkerExit, WorkerProcess } from "./executor.js";

/** Runs a magic the worker hands to the kernel (%pip, %luci); rejects with the words for the cell. */
export type KernelRequestHandler = (name: string, args: string, sink: OutputSink) => Promise<void>;
import { discardingSink, type OutputSink } from "../common/output-sink.js";
import { OutputOrder } from "./output-order.js";
import { parseShape } from "../common/shape.js";
import { WorkerEventShape, type CommCommand, type DoneEvent, type ExecuteCommand, type RequestOp, type WorkerEvent } from "./worker-messages.js";

/** Where the comm messages Python sends go (PROTOCOL.md "Comms"), buffers decoded. */
export interface WorkerCommSink {
  message(msgType: "comm_open" | "comm_msg" | "comm_close", content: JsonObject, metadata: JsonObject, buffers: Buffer[]): void;
}

type SyncedEvent = Exclude<WorkerEvent, { ev: "ready" } | { ev: "reply" }>;

type Pending<T> = { resolve: (value: T) => void; reject: (err: Error) => void };

export class WorkerConnection {
  readonly ready: Promise<Extract<WorkerEvent, { ev: "ready" }>>;
  /** Resolves with the exit once the process is gone and its output has been read. */
  readonly gone: Promise<WorkerExit>;
  private readonly process: WorkerProcess;
  private readonly order: OutputOrder<SyncedEvent>;
  private sink: OutputSink = discardingSink;
  private kernelRequests?: KernelRequestHandler;
  private nextId = 1;
  private running?: { id: number } & Pending<DoneEvent>;
  private readonly requests = new Map<number, Pending<JsonObject>>();
  private readonly eventDecoder = new StringDecoder("utf8");
  private eventChunks: string[] = [];
  private dead = false;
  /** The worker died while a cell ran (that cell reports it); otherwise it died between cells. */
  diedRunning = false;
  /** The end of what the worker wrote to stderr, for reports on a worker that would not start. */
  recentStderr = "";

  /** Where processes may run beside this worker (its container), if not on this machine. */
  get beside(): BesideWorker | undefined {
    return this.process.beside;
  }

  constructor(
    executor: Executor,
    cwd: string,
    private readonly comms?: WorkerCommSink,
  ) {
    const token = randomBytes(8).toString("hex");
    this.process = executor.start({ cwd, syncToken: token });
    this.order = new OutputOrder<SyncedEvent>(
      token,
      (name, text) => this.sink.stream(name, text),
      (event) => this.deliver(event),
    );
    this.process.stdout.on("data", (chunk: Buffer) => this.order.stdout(chunk));
    this.process.stdout.on("end", () => this.order.ended("stdout"));
    this.process.stderr.on("end", () => this.order.ended("stderr"));
    this.process.stderr.on("data", (chunk: Buffer) => {
      this.order.stderr(chunk);
      this.recentStderr = (this.recentStderr + chunk.toString("utf8")).slice(-2000);
    });
    this.process.commands.on("error", () => {}); // a dead worker's pipe: reported through `gone`
    let onReady!: (event: Extract<WorkerEvent, { ev: "ready" }>) => void;
    this.ready = new Promise((resolve) => (onReady = resolve));
    this.process.events.on("data", (chunk: Buffer) => this.readEvents(chunk, onReady));
    this.gone = this.process.exited.then((exit) => this.finish(exit));
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Runs one execute command; output goes to `sink` until its `done` event. */
  execute(command: Omit<ExecuteCommand, "op" | "id">, sink: OutputSink, kernelRequests?: KernelRequestHandler): Promise<DoneEvent> {
    return this.runCommand({ op: "execute", ...command }, sink, kernelRequests);
  }

  /** Hands a client's comm message to Python's comm manager; its handler's output goes to `sink` until `done`. */
  comm(command: Omit<CommCommand, "id">, sink: OutputSink): Promise<DoneEvent> {
    return this.runCommand({ ...command }, sink);
  }

  /** A command that runs user code (execute, the comm handlers): one at a time, output to `sink`. */
  private runCommand(command: JsonObject, sink: OutputSink, kernelRequests?: KernelRequestHandler): Promise<DoneEvent> {
    if (this.dead) return Promise.reject(new Error("the worker has stopped"));
    const id = this.nextId++;
    this.sink = sink;
    this.kernelRequests = kernelRequests;
    return new Promise((resolve, reject) => {
      this.running = { id, resolve, reject };
      this.send({ ...command, id });
    });
  }

  request(op: RequestOp, params: JsonObject): Promise<JsonObject> {
    if (this.dead) return Promise.reject(new Error("the worker has stopped"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.requests.set(id, { resolve, reject });
      this.send({ ...params, op, id });
    });
  }

  interrupt(): void {
    if (this.running) this.process.interrupt();
  }

  /** Interrupts a complete / inspect / is_complete that takes too long. */
  interruptRequest(): void {
    if (this.requests.size > 0) this.process.interrupt();
  }

  /** Asks the worker to exit; kills it if it has not after `graceMs`. */
  async stop(graceMs = 1000): Promise<void> {
    if (this.dead) return;
    this.send({ op: "shutdown" });
    const timer = setTimeout(() => this.process.kill(), graceMs);
    await this.gone;
    clearTimeout(timer);
  }

  kill(): void {
    this.process.kill();
  }

  private send(command: JsonObject): void {
    this.process.commands.write(JSON.stringify(command) + "\n");
  }

  /** Splits the event pipe into lines; a large display arrives in many chunks and is joined once. */
  private readEvents(chunk: Buffer, onReady: (event: Extract<WorkerEvent, { ev: "ready" }>) => void): void {
    const text = this.eventDecoder.write(chunk);
    const lines: string[] = [];
    let from = 0;
    for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", from)) {
      this.eventChunks.push(text.slice(from, at));
      lines.push(this.eventChunks.join(""));
      this.eventChunks = [];
      from = at + 1;
    }
    if (from < text.length) this.eventChunks.push(text.slice(from));
    for (const line of lines) {
      if (!line.trim()) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        log("warn", `worker sent a line that is not JSON: ${line.slice(0, 200)}`);
        continue;
      }
      const checked = parseShape(WorkerEventShape, parsed);
      if (!checked.ok) {
        log("warn", `worker sent an event of no known shape (${checked.reason}): ${line.slice(0, 200)}`);
        continue;
      }
      const event = checked.value;
      if (event.ev === "ready") onReady(event);
      else if (event.ev === "reply") this.settleRequest(event.id, event.content);
      else this.order.event(event);
    }
  }

  private deliver(event: SyncedEvent): void {
    const sink = this.sink;
    switch (event.ev) {
      case "display":
        if (event.update) sink.updateDisplay(event.data, event.metadata ?? {}, event.transient ?? {});
        else sink.display(event.data, event.metadata ?? {}, event.transient ?? {});
        break;
      case "clear_output":
        sink.clearOutput(event.wait);
        break;
      case "result":
        sink.result(event.data, event.metadata ?? {});
        break;
      case "error":
        sink.error(event.ename, event.evalue, event.traceback);
        break;
      case "input_request":
        sink.input(event.prompt, event.password).then(
          (value) => this.send({ op: "input_reply", id: event.id, value }),
          (err: unknown) => this.send({ op: "input_reply", id: event.id, value: "", error: errorMessage(err) }),
        );
        break;
      case "kernel_request": {
        const handler = this.kernelRequests;
        const reply = (ok: boolean, error?: string) => this.send({ op: "kernel_reply", id: event.id, ok, ...(error ? { error } : {}) });
        if (!handler) reply(false, `%${event.name} is not available here`);
        else
          handler(event.name, event.args, sink).then(
            () => reply(true),
            (err: unknown) => reply(false, errorMessage(err)),
          );
        break;
      }
      case "comm":
        this.comms?.message(
          event.msg_type,
          event.content,
          event.metadata ?? {},
          (event.buffers ?? []).map((b) => Buffer.from(b, "base64")),
        );
        break;
      case "done":
        if (this.running?.id === event.id) {
          const running = this.running;
          this.running = undefined;
          running.resolve(event);
        }
        break;
    }
  }

  private settleRequest(id: number, content: JsonObject): void {
    const pending = this.requests.get(id);
    this.requests.delete(id);
    pending?.resolve(content);
  }

  /** The process exited: read what is left of its output, then fail what was waiting. */
  private async finish(exit: WorkerExit): Promise<WorkerExit> {
    this.dead = true;
    this.diedRunning = this.running !== undefined;
    await Promise.race([Promise.all([ended(this.process.stdout), ended(this.process.stderr)]), new Promise((resolve) => setTimeout(resolve, 300))]);
    this.order.finish();
    this.process.kill(); // what user code started dies with the worker, as with ipykernel
    const error = new WorkerExitError(exit);
    this.running?.reject(error);
    this.running = undefined;
    for (const pending of this.requests.values()) pending.reject(error);
    this.requests.clear();
    return exit;
  }
}

export class WorkerExitError extends Error {
  constructor(readonly exit: WorkerExit) {
    super(`the worker exited (${exit.error ?? (exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`)})`);
  }
}

function ended(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream instanceof Readable && stream.readableEnded) resolve();
    else stream.once("end", () => resolve()).once("close", () => resolve());
  });
}
