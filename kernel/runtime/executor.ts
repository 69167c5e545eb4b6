// Where the worker runs. An Executor starts worker processes; the luci environments (a venv
// per notebook) and containers plug in here. Everything above talks to a WorkerProcess only.
import type { Readable, Writable } from "node:stream";

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the process could not start at all (for example, no such Python). */
  error?: string;
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
  kill(): void;
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
}
