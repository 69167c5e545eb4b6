// Runs the worker with a Python on this machine: a notebook environment's, or LUCI_PYTHON itself.
// The worker gets a process group of its own, so that SIGINT sent to the kernel's group
// reaches user code once, through the kernel, and not twice.
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { withoutKernelSecrets } from "../common/kernel-secrets.js";
import type { Executor, WorkerExit, WorkerLaunch, WorkerProcess } from "./executor.js";
import { workerScript } from "./worker-path.js";

export class LocalExecutor implements Executor {
  constructor(readonly python: string) {}

  get interpreterKey(): string {
    return this.python;
  }

  get description(): string {
    return `Python from ${this.python}`;
  }

  start(launch: WorkerLaunch): WorkerProcess {
    const args = [workerScript(), "--cmd-fd", "3", "--event-fd", "4", "--sync-token", launch.syncToken];
    const child = spawn(this.python, args, {
      cwd: launch.cwd,
      stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"],
      detached: true,
      // The notebook's code has no use for the kernel's model key or server tokens (a container
      // worker gets none of the kernel's environment at all).
      env: { ...withoutKernelSecrets(process.env), PYTHONUNBUFFERED: "1" },
    });
    const exited = new Promise<WorkerExit>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (err) => resolve({ code: null, signal: null, error: err.message }));
    });
    const alive = () => child.exitCode === null && child.signalCode === null;
    // The worker leads its own process group; what user code started lives in it too, and may
    // outlive the worker: killing signals the whole group, whether or not the worker is gone.
    const signalGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        if (alive()) child.kill(signal);
      }
    };
    const [, , , commands, events] = child.stdio;
    if (!(commands instanceof Writable) || !(events instanceof Readable)) throw new Error("the worker's command and event pipes could not be made");
    return {
      commands,
      events,
      stdout: child.stdout!,
      stderr: child.stderr!,
      exited,
      interrupt: () => {
        if (alive()) signalGroup("SIGINT");
      },
      kill: () => signalGroup("SIGKILL"),
    };
  }
}
