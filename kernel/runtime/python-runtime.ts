// The notebook's Python: keeps one worker running, runs cells and questions on it, and
// replaces a worker that died (reporting the loss of state in the cell that was running).
import { log } from "../common/log.js";
import type { JsonObject } from "../protocol/messages.js";
import { crashMessage, describeExit } from "./crash-report.js";
import type { Executor } from "./executor.js";
import { cachedPythonVersion, rememberPythonVersion } from "./python-version-cache.js";
import type { OutputSink } from "../common/output-sink.js";
import { WorkerConnection, WorkerExitError } from "./worker-connection.js";
import type { ExecuteCommand, SyntaxErrorInfo } from "./worker-messages.js";

export type RunOutcome =
  | { status: "ok"; userExpressions: JsonObject; payload: JsonObject[] }
  | { status: "error"; ename: string; evalue: string; traceback: string[] }
  | { status: "not_python"; syntaxError: SyntaxErrorInfo };

export type RunCommand = Omit<ExecuteCommand, "op" | "id">;

export class PythonRuntime {
  private worker?: WorkerConnection;
  private stopped = false;
  private version?: string;

  constructor(
    private readonly executor: Executor,
    private readonly cwd: string = process.cwd(),
  ) {}

  /** Starts a worker ahead of the first cell, so that the cell does not wait for Python. */
  start(): void {
    this.worker ??= this.spawn();
  }

  /** The Python version a worker reported (e.g. "3.11.7"), or the one remembered from before. */
  get pythonVersion(): string | undefined {
    this.version ??= cachedPythonVersion(this.executor.interpreterKey);
    return this.version;
  }

  async run(command: RunCommand, sink: OutputSink): Promise<RunOutcome> {
    const worker = await this.readyWorker();
    try {
      const done = await worker.execute(command, sink);
      if (done.status === "not_python") return { status: "not_python", syntaxError: done.syntax_error ?? { msg: "invalid syntax" } };
      if (done.status === "error") {
        return { status: "error", ename: done.ename ?? "Error", evalue: done.evalue ?? "", traceback: done.traceback ?? [] };
      }
      return { status: "ok", userExpressions: done.user_expressions ?? {}, payload: done.payload ?? [] };
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
    const worker = await this.readyWorker();
    return worker.request(op, params);
  }

  interrupt(): void {
    this.worker?.interrupt();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.worker?.stop();
  }

  private spawn(): WorkerConnection {
    const worker = new WorkerConnection(this.executor, this.cwd);
    worker.ready.then((ready) => {
      this.version = ready.python;
      rememberPythonVersion(this.executor.interpreterKey, ready.python);
    });
    worker.gone.then((exit) => {
      if (!this.stopped) log("warn", `the Python worker stopped: ${describeExit(exit)}`);
    });
    return worker;
  }

  private replace(): void {
    if (this.stopped) return;
    this.worker?.kill();
    this.worker = this.spawn();
  }

  /** The current worker once it is ready; a new one if it had died. Throws if none will start. */
  private async readyWorker(): Promise<WorkerConnection> {
    if (!this.worker?.alive) this.replace();
    const worker = this.worker!;
    const started = await Promise.race([worker.ready.then(() => true), worker.gone.then(() => false)]);
    if (started) return worker;
    const exit = await worker.gone;
    const detail = worker.recentStderr.trim();
    this.replace();
    throw new Error(
      `Python could not be started (${this.executor.description}): ${describeExit(exit)}` + (detail ? `\n${detail}` : ""),
    );
  }
}
