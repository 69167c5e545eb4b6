// The notebook's Python: keeps one worker running, runs cells and questions on it, and
// replaces a worker that died (reporting the loss of state in the cell that was running).
// Where the worker runs comes from an ExecutorSource (a notebook environment, a container).
import { log } from "../common/log.js";
import { setting } from "../common/settings.js";
import { CellFailure, type ErrorOutcome } from "../common/cell-failure.js";
import { showFailure } from "../core/show-failure.js";
import type { OutputSink } from "../common/output-sink.js";
import type { JsonObject } from "../protocol/messages.js";
import { crashMessage, describeExit } from "./crash-report.js";
import type { BesideWorker, Executor, ExecutorSource } from "./executor.js";
import { cachedPythonVersion, rememberPythonVersion } from "./python-version-cache.js";
import type { CommListener, CommRequest } from "../core/interpreter.js";
import { WorkerConnection, WorkerExitError, type KernelRequestHandler, type WorkerCommSink } from "./worker-connection.js";
import type { ExecuteCommand, MissingModule, RequestOp, SyntaxErrorInfo } from "./worker-messages.js";
import { errorMessage, errorStack } from "../common/errors.js";
import { isObject } from "../common/json-file.js";

export type RunOutcome =
  | { status: "ok"; userExpressions: JsonObject; payload: JsonObject[] }
  | (ErrorOutcome & { missingModule?: string })
  | { status: "not_python"; syntaxError: SyntaxErrorInfo }
  | { status: "missing_modules"; modules: MissingModule[] };

export type RunCommand = Omit<ExecuteCommand, "op" | "id">;

/** How long complete / inspect / is_complete may take before they are abandoned. */
const ASK_TIMEOUT_MS = 5000;

/** What a question gets when it cannot be answered (the worker is busy or stuck). */
const NO_ANSWER: Record<string, JsonObject> = {
  complete: { status: "ok", matches: [], cursor_start: 0, cursor_end: 0, metadata: {} },
  inspect: { status: "ok", found: false, data: {}, metadata: {} },
  is_complete: { status: "unknown" },
  validate: { status: "unknown" },
  namespace: { status: "ok", names: [], truncated: true },
};

class StartInterrupted extends Error {}

export class PythonRuntime {
  private worker?: WorkerConnection;
  private launching?: Promise<WorkerConnection>;
  private stopped = false;
  private version?: string;
  private lastExecutor?: Executor;
  /** A worker that died between cells: the next cell says so (its state is gone). */
  private unattendedExit?: string;
  /** Set while a cell waits for a worker to start, so that an interrupt can end the wait. */
  private cancelStart?: () => void;
  /** Where the comm messages Python sends go, and who hears that a worker's comms are gone. */
  private commListener?: CommListener;
  private readonly commSink: WorkerCommSink = {
    message: (msgType, content, metadata, buffers) => this.commListener?.message(msgType, content, metadata, buffers),
  };

  constructor(
    private readonly source: ExecutorSource,
    private readonly cwd: string = process.cwd(),
  ) {}

  /** Starts a worker ahead of the first cell when that needs no work worth showing in a cell. */
  start(): void {
    if (this.worker || this.launching || !this.source.readyNow()) return;
    this.launch({}).catch((err: Error) => log("warn", `the Python worker did not start ahead of the first cell: ${err.message}`));
  }

  /** Where processes may run beside the running worker (its container), when not on this machine. */
  get beside(): BesideWorker | undefined {
    return this.worker?.alive ? this.worker.beside : undefined;
  }

  /** The Python version a worker reported (e.g. "3.11.7"), or the one remembered from before. */
  get pythonVersion(): string | undefined {
    if (!this.version && this.lastExecutor) this.version = cachedPythonVersion(this.lastExecutor.interpreterKey);
    return this.version;
  }

  async run(command: RunCommand, sink: OutputSink, kernelRequests?: KernelRequestHandler): Promise<RunOutcome> {
    let worker: WorkerConnection;
    try {
      worker = await this.readyWorker(sink, command.code);
    } catch (err) {
      if (err instanceof StartInterrupted) return fail(sink, "KeyboardInterrupt", "interrupted while Python was starting");
      // No Python to run the cell: the environment could not be made, or Python will not start.
      return fail(sink, "PythonUnavailable", errorMessage(err));
    }
    if (this.unattendedExit) {
      sink.stream("stderr", this.unattendedExit + "\n");
      this.unattendedExit = undefined;
    }
    try {
      const done = await worker.execute(command, sink, kernelRequests);
      switch (done.status) {
        case "not_python":
          return { status: "not_python", syntaxError: done.syntax_error ?? { msg: "invalid syntax" } };
        case "missing_modules":
          return { status: "missing_modules", modules: done.modules ?? [] };
        case "error": {
          const note = this.lastExecutor?.explainError?.(done.ename ?? "", done.evalue ?? "");
          if (note) sink.stream("stderr", note + "\n");
          return {
            status: "error",
            ename: done.ename ?? "Error",
            evalue: done.evalue ?? "",
            traceback: done.traceback ?? [],
            missingModule: done.missing_module,
          };
        }
        default:
          return { status: "ok", userExpressions: done.user_expressions ?? {}, payload: done.payload ?? [] };
      }
    } catch (err) {
      if (!(err instanceof WorkerExitError)) throw err;
      if (this.stopped) return fail(sink, "KernelShutdown", "the kernel was shut down (or restarted) while this cell ran");
      this.replace();
      return fail(sink, "WorkerCrashed", crashMessage(err.exit));
    }
  }

  /**
   * complete / inspect / is_complete on the live namespace. A question that takes too long (a
   * property that loops, say) is abandoned with an empty answer and the worker interrupted, so
   * that a Tab press can never wedge the kernel.
   */
  /** A question to the worker, answered within `timeoutMs` or else with the op's empty answer (the worker is interrupted). */
  async ask(op: RequestOp, params: JsonObject, timeoutMs = ASK_TIMEOUT_MS): Promise<JsonObject> {
    const worker = await this.readyWorker(undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<JsonObject>((resolve) => {
      timer = setTimeout(() => {
        log("warn", `${op}_request took over ${timeoutMs / 1000} s; answering empty and interrupting it`);
        worker.interruptRequest();
        resolve({ ...NO_ANSWER[op]!, ...(op === "validate" ? { evalue: `no answer within ${timeoutMs / 1000} s` } : {}) });
      }, timeoutMs);
    });
    try {
      return await Promise.race([worker.request(op, params), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Where comm messages from Python go (the kernel core publishes them); also told when a worker's comms die with it. */
  setCommListener(listener: CommListener): void {
    this.commListener = listener;
  }

  /**
   * A client's comm message, handled by the worker's comm manager between cells. No worker is
   * started for one: without a running Python nothing can have registered a target or opened a
   * comm, so a comm_open is closed at once (as ipykernel does for an unknown target) and the rest
   * are dropped.
   */
  async comm(request: CommRequest, sink: OutputSink): Promise<void> {
    const commId = typeof request.content.comm_id === "string" ? request.content.comm_id : "";
    const worker = this.worker?.alive ? this.worker : await this.launching?.catch(() => undefined);
    const started = worker ? await Promise.race([worker.ready.then(() => true), worker.gone.then(() => false)]) : false;
    if (!worker || !started) {
      if (request.msgType === "comm_open") this.commListener?.message("comm_close", { comm_id: commId, data: {} }, {}, []);
      return;
    }
    const { content } = request;
    try {
      await worker.comm(
        {
          op: request.msgType,
          msg_id: request.msgId,
          comm_id: commId,
          ...(typeof content.target_name === "string" ? { target_name: content.target_name } : {}),
          data: isObject(content.data) ? content.data : {},
          metadata: request.metadata,
          buffers: request.buffers.map((b) => b.toString("base64")),
        },
        sink,
      );
    } catch (err) {
      if (!(err instanceof WorkerExitError)) throw err;
      if (this.stopped) return;
      log("warn", `the Python worker stopped while it handled a ${request.msgType}: ${describeExit(err.exit)}`);
      this.replace();
      this.unattendedExit =
        `Note: the Python process of this notebook stopped while it handled a widget's message (${describeExit(err.exit)}). ` +
        "Variables and imports from earlier cells are lost; a new Python process runs this cell.";
    }
  }

  interrupt(): void {
    if (this.cancelStart) this.cancelStart();
    else this.worker?.interrupt();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    const worker = this.worker ?? (await this.launching?.catch(() => undefined));
    await worker?.stop();
  }

  private launch(context: { sink?: OutputSink; firstCode?: string }): Promise<WorkerConnection> {
    this.launching ??= (async () => {
      const executor = await this.source.prepare(context);
      this.lastExecutor = executor;
      const worker = new WorkerConnection(executor, this.cwd, this.commSink);
      // `ready` never rejects (it stays pending when the worker dies before it is ready).
      void worker.ready.then((ready) => {
        this.version = ready.python;
        rememberPythonVersion(executor.interpreterKey, ready.python);
      });
      // Fire and forget: this only notes the exit; a failure in the note is logged.
      worker.gone
        .then((exit) => {
          // Its comms died with it: the core closes them on the clients (widgets show as gone).
          this.commListener?.lost();
          if (this.stopped) return;
          log("warn", `the Python worker stopped: ${describeExit(exit)}`);
          if (!worker.diedRunning && this.worker === worker) {
            this.worker = undefined;
            this.unattendedExit =
              `Note: the Python process of this notebook stopped between cells (${describeExit(exit)}). ` +
              "Variables and imports from earlier cells are lost; a new Python process runs this cell.";
          }
        })
        .catch((err: unknown) => log("error", `after the Python worker stopped: ${errorStack(err)}`));
      this.worker = worker;
      return worker;
    })().finally(() => (this.launching = undefined));
    return this.launching;
  }

  private replace(): void {
    this.worker?.kill();
    this.worker = undefined;
    if (!this.stopped) this.start();
  }

  /** A ready worker; a new one if none is alive. Throws with the reason if Python will not start. */
  private async readyWorker(sink: OutputSink | undefined, firstCode?: string, retried = false): Promise<WorkerConnection> {
    if (this.worker?.alive && this.source.stale?.()) {
      const old = this.worker;
      this.worker = undefined;
      await old.stop();
    }
    const worker = this.worker?.alive ? this.worker : await (this.launching ?? this.launch({ sink, firstCode }));
    const started = await this.waitUntilStarted(worker);
    if (started) return worker;
    const exit = await worker.gone;
    const detail = worker.recentStderr.trim();
    if (this.worker === worker) this.worker = undefined;
    if (!retried && this.source.distrust) {
      // Perhaps the environment's interpreter is broken: let the source check and repair it once.
      this.source.distrust();
      return this.readyWorker(sink, firstCode, true);
    }
    throw new Error(cannotStart(this.lastExecutor, describeExit(exit), detail));
  }

  /** Waits for the worker's ready event; false if it exited first. A timeout or an interrupt kills it. */
  private async waitUntilStarted(worker: WorkerConnection): Promise<boolean> {
    // How long a new worker may take to say it is ready.
    const startTimeoutSeconds = setting(process.env, "LUCI_WORKER_START_TIMEOUT");
    let timer: NodeJS.Timeout | undefined;
    const stopped = new Promise<"timeout" | "interrupt">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), startTimeoutSeconds * 1000);
      this.cancelStart = () => resolve("interrupt");
    });
    try {
      const result = await Promise.race([worker.ready.then(() => true), worker.gone.then(() => false), stopped]);
      if (typeof result === "boolean") return result;
      worker.kill();
      if (this.worker === worker) this.worker = undefined;
      if (result === "interrupt") throw new StartInterrupted();
      throw new Error(cannotStart(this.lastExecutor, `it did not become ready within ${startTimeoutSeconds} s`, worker.recentStderr.trim()));
    } finally {
      clearTimeout(timer);
      this.cancelStart = undefined;
    }
  }
}

function fail(sink: OutputSink, ename: string, evalue: string): RunOutcome {
  return showFailure(sink, new CellFailure(ename, evalue));
}

function cannotStart(executor: Executor | undefined, why: string, stderr: string): string {
  const which = executor?.description ?? "no Python";
  const hint = "Check LUCI_PYTHON (the Python notebook environments are made from), or reinstall the kernelspec " + "with `luci install --python PATH`.";
  return `Python could not be started (${which}): ${why}. ${hint}` + (stderr ? `\n${stderr}` : "");
}
