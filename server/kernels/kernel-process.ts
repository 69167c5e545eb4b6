// One kernel OS process: started from a kernelspec's argv with {connection_file} filled in, in
// a process group of its own (as jupyter_client's start_new_session), so that SIGINT reaches
// the kernel and what it started, and so that a Ctrl-C in the server's terminal does not.
import { spawn, type ChildProcess } from "node:child_process";

export interface LaunchOptions {
  argv: string[];
  connectionFile: string;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Where the kernel's stdout and stderr (its log) go: the server's stderr, or a bounded buffer. */
  logTo: "stderr" | "buffer";
}

const LOG_LIMIT = 64 * 1024;

export class KernelProcess {
  readonly child: ChildProcess;
  /** Resolves when the process has exited (for whatever reason). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private logText = "";

  constructor(options: LaunchOptions) {
    const argv = options.argv.map((arg) => arg.replaceAll("{connection_file}", options.connectionFile));
    this.child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    // The tail is kept in both modes: the server reads it when a kernel dies or cannot bind.
    const collect = (chunk: Buffer) => {
      if (options.logTo === "stderr") process.stderr.write(chunk);
      this.logText = (this.logText + chunk.toString()).slice(-LOG_LIMIT);
    };
    this.child.stdout!.on("data", collect);
    this.child.stderr!.on("data", collect);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => resolve({ code, signal }));
      this.child.once("error", (err) => {
        collect(Buffer.from(`cannot start the kernel: ${err.message}\n`));
        resolve({ code: null, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  /** The last part of what the kernel wrote (its log). */
  log(): string {
    return this.logText;
  }

  /** Signals the whole process group, as jupyter_client's signal_kernel does. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }

  /**
   * SIGKILL to whatever is left in the process group after the kernel itself exited. Safe after
   * the exit: Linux does not reuse a pid as long as a process group of that id exists.
   */
  killLeftovers(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* the group is empty: nothing left */
    }
  }

  /** Waits up to `ms` for the process to exit; true if it did. */
  async waitForExit(ms: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const done = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }

  /** SIGKILL to the group, then wait for the exit. */
  async kill(): Promise<void> {
    this.signal("SIGKILL");
    await this.waitForExit(5000);
  }
}
