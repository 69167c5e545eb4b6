// Where the worker runs. An Executor starts worker processes; the luci environments (a venv
// per notebook) and containers plug in here. Everything above talks to a WorkerProcess only.
import type { Readable, Writable } from "node:stream";
import type { OutputSink } from "../common/output-sink.js";

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the process could not start at all (for example, no such Python). */
  error?: string;
  /** What stopped it, in words, when the executor knows better than the signal (out of memory). */
  reason?: string;
}

/** A started worker: the pipes of PROTOCOL.md and the means to signal it. */
export interface WorkerProcess {
  readonly commands: Writable;
  readonly events: Readable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly exited: Promise<WorkerExit>;
  /** SIGINT to the worker and the processes it started (its process group). */
  interrupt(): void;
  /** SIGKILL to the worker's process group: the worker and whatever user code left running. */
  kill(): void;
  /**
   * Where a process may run beside the worker, in its place, when that is not this machine (the
   * container executor: the worker's container); the notebook's web apps start there.
   */
  readonly beside?: BesideWorker;
}

/** Running a command in the worker's place (a container), with a folder shared with it. */
export interface BesideWorker {
  /** A folder both sides reach: its path here, and there. Undefined until the place exists. */
  shared(): { here: string; there: string } | undefined;
  /** The Python there, and the folder of Luci's worker files there (app_launcher.py). */
  readonly python: string;
  readonly workerFolder: string;
  run(argv: string[], env: Record<string, string>, cwd: string): BesideProcess;
}

export interface BesideProcess {
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly exited: Promise<{ code: number | null; error?: string }>;
}

export interface WorkerLaunch {
  cwd: string;
  syncToken: string;
}

export interface Executor {
  /** Words for the user: which Python, where. */
  readonly description: string;
  /** Names the interpreter for caches: the same key means the same Python. */
  readonly interpreterKey: string;
  start(launch: WorkerLaunch): WorkerProcess;
  /** A note for the cell when an error is this executor's doing (a limit of a container), in words. */
  explainError?(ename: string, evalue: string): string | undefined;
}

/**
 * Gives the executor for the next worker. For a notebook environment that may mean creating or
 * repairing it first, with progress shown in the cell that is waiting (`sink`).
 */
export interface ExecutorSource {
  /** True when prepare() has no work worth showing, so a worker can start before any cell. */
  readyNow(): boolean;
  prepare(context: { sink?: OutputSink; firstCode?: string }): Promise<Executor>;
  /** The last executor's Python would not start: check it thoroughly next time (repair). */
  distrust?(): void;
  /** True when the running worker no longer matches the source's choice (another executor). */
  stale?(): boolean;
}

/** A source that always gives the same executor. */
export function fixedSource(executor: Executor): ExecutorSource {
  return { readyNow: () => true, prepare: async () => executor };
}
