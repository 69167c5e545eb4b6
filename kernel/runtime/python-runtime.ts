// The notebook's Python: keeps one worker running, runs cells and questions on it, and
// replaces a worker that died (reporting the loss of state in the cell that was running).
// Where the worker runs comes from an ExecutorSource (a notebook environment, a container).
import { log } from "../common/log.js";
import type { OutputSink } from "../common/output-sink.js";
import type { JsonObject } from "../protocol/messages.js";
import { crashMessage, describeExit } from "./crash-report.js";
import type { Executor, ExecutorSource } from "./executor.js";
import { cachedPythonVersion, rememberPythonVersion } from "./python-version-cache.js";
import { WorkerConnection, WorkerExitError, type KernelRequestHandler } from "./worker-connection.js";
import type { ExecuteCommand, MissingModule, SyntaxErrorInfo } from "./worker-messages.js";

export type RunOutcome =
  | { status: "ok"; userExpressions: JsonObject; payload: JsonObject[] }
  | { status: "error"; ename: string; evalue: string; traceback: string[]; missingModule?: string }
  | { status: "not_python"; syntaxError: SyntaxErrorInfo }
  | { status: "missing_modules"; modules: MissingModule[] };

export type RunCommand = Omit<ExecuteCommand, "op" | "id">;

export class PythonRuntime {
  private worker?: WorkerConnection;
  private launching?: Promise<WorkerConnection>;
  private stopped = false;
  private version?: string;
  private lastExecutor?: Executor;

  constructor(
    private readonly source: ExecutorSource,
    private readonly cwd: string = process.cwd(),
  ) {}

  /** Starts a worker ahead of the first cell when that needs no work worth showing in a cell. */
  start(): void {
    if (this.worker || this.launching || !this.source.readyNow()) return;
    this.launch({}).catch((err: Error) => log("warn", `the Python worker did not start ahead of the first cell: ${err.message}`));
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
      // No Python to run the cell: the environment could not be made, or Python will not start.
      const evalue = (err as Error).message;
      sink.error("PythonUnavailable", evalue, [`\x1b[0;31mPythonUnavailable\x1b[0m: ${evalue}`]);
      return { status: "error", ename: "PythonUnavailable", evalue, traceback: [evalue] };
    }
    try {
      const done = await worker.execute(command, sink, kernelRequests);
      switch (done.status) {
        case "not_python":
          return { status: "not_python", syntaxError: done.syntax_error ?? { msg: "invalid syntax" } };
        case "missing_modules":
          return { status: "missing_modules", modules: done.modules ?? [] };
        case "error":
          return {
            status: "error",
            ename: done.ename ?? "Error",
            evalue: done.evalue ?? "",
            traceback: done.traceback ?? [],
            missingModule: done.missing_module,
          };
        default:
          return { status: "ok", userExpressions: done.user_expressions ?? {}, payload: done.payload ?? [] };
      }
    } catch (err) {
      if (!(err instanceof WorkerExitError)) throw err;
      const evalue = crashMessage(err.exit);
      sink.error("WorkerCrashed", evalue, [evalue]);
      this.replace();
      return { status: "error", ename: "WorkerCrashed", evalue, traceback: [evalue] };
    }
  }

  /** complete / inspect / is_complete on the live namespace. */
  async ask(op: "complete" | "inspect" | "is_complete", params: JsonObject): Promise<JsonObject> {
    const worker = await this.readyWorker(undefined);
    return worker.request(op, params);
  }

  interrupt(): void {
    this.worker?.interrupt();
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
      const worker = new WorkerConnection(executor, this.cwd);
      worker.ready.then((ready) => {
        this.version = ready.python;
        rememberPythonVersion(executor.interpreterKey, ready.python);
      });
      worker.gone.then((exit) => {
        if (!this.stopped) log("warn", `the Python worker stopped: ${describeExit(exit)}`);
      });
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
    const worker = this.worker?.alive ? this.worker : await (this.launching ?? this.launch({ sink, firstCode }));
    const started = await Promise.race([worker.ready.then(() => true), worker.gone.then(() => false)]);
    if (started) return worker;
    const exit = await worker.gone;
    const detail = worker.recentStderr.trim();
    if (this.worker === worker) this.worker = undefined;
    if (!retried && this.source.distrust) {
      // Perhaps the environment's interpreter is broken: let the source check and repair it once.
      this.source.distrust();
      return this.readyWorker(sink, firstCode, true);
    }
    throw new Error(
      `Python could not be started (${this.lastExecutor?.description ?? "no executor"}): ${describeExit(exit)}` +
        (detail ? `\n${detail}` : ""),
    );
  }
}
