// One web app's process: the notebook's Python running our launcher (worker/app_launcher.py)
// on the app's program, with HOST and PORT set to a free port on loopback and without the
// kernel's secrets. It leads its own process group (what it starts dies with it), its output is
// kept (the last lines) and handed to whoever listens, and it can be waited on until it answers
// HTTP on its port.
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { withoutKernelSecrets } from "../common/kernel-secrets.js";
import { packageRoot } from "../common/package-root.js";
import { tryBind } from "../common/listening-port.js";

/** A free TCP port on 127.0.0.1 (the kernel binds it a moment to ask the system for one). */
export async function freeLoopbackPort(): Promise<number> {
  const port = await tryBind(0, "127.0.0.1");
  if (port === undefined) throw new Error("no free port on 127.0.0.1");
  return port;
}

export function launcherScript(): string {
  return join(packageRoot(), "kernel", "runtime", "worker", "app_launcher.py");
}

/** The last lines of an app's output, bounded in lines and characters. */
export class OutputTail {
  private lines: string[] = [];
  private partial = "";

  constructor(private readonly maxLines = 200) {}

  add(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop()!.slice(-4000);
    for (const line of parts) this.lines.push(line.slice(0, 4000));
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  /** The last `count` lines (a line still being written included). */
  last(count = 20): string[] {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-count);
  }
}

export interface AppLaunch {
  /** The program file, as the app's Python sees it. */
  program: string;
  cwd: string;
  port: number;
  /** The path prefix the app is reached under through a proxy (SCRIPT_NAME), if any. */
  basePath?: string;
}

export type AppExit = { code: number | null; signal: NodeJS.Signals | null; error?: string };

/** The environment an app gets besides its own: where to serve, unbuffered output, the proxy's prefix. */
export function appEnvironment(launch: AppLaunch): Record<string, string> {
  return {
    PYTHONUNBUFFERED: "1",
    HOST: "127.0.0.1",
    PORT: String(launch.port),
    // For apps (and WSGI servers) that honour it: the prefix a proxy serves them under.
    ...(launch.basePath ? { SCRIPT_NAME: launch.basePath } : {}),
  };
}

/** A running app, wherever it runs (this machine: AppProcess; the notebook's container: container-app.ts). */
export abstract class AppRun {
  readonly tail = new OutputTail();
  readonly started = Date.now();
  exit?: AppExit;
  abstract readonly exited: Promise<AppExit>;
  private readonly listeners = new Set<(name: "stdout" | "stderr", text: string) => void>();

  constructor(readonly launch: AppLaunch) {}

  /** The app's pid on this machine (none for an app in a container). */
  abstract get pid(): number | undefined;
  /** SIGTERM to the app and what it started, SIGKILL after `graceMs`; resolves when it exited. */
  abstract stop(graceMs?: number): Promise<void>;
  /** SIGKILL, synchronously where it can be (the kernel's exit handler). */
  abstract killNow(): void;

  get running(): boolean {
    return this.exit === undefined;
  }

  /** The HTTP status of the first answer to GET / (set by waitUntilAnswering). */
  firstStatus?: number;

  /**
   * Whether the first page failed: an answer of 500 or more, or a Python traceback in the app's
   * output by the time it answered. http.server prints a handler's exception and closes the
   * connection, so the page comes back empty with a 200 already sent (a model's code that forgot
   * `import csv` does this); Flask answers 500 and logs the traceback. Either way the page is
   * broken and the traceback is what a repair needs.
   */
  firstPageFailed(): boolean {
    return (this.firstStatus ?? 0) >= 500 || this.printedTraceback();
  }

  private printedTraceback(): boolean {
    return this.tail.last(200).some((line) => TRACEBACK.test(line));
  }

  /** Output as it comes; returns the way to stop listening. */
  onOutput(listener: (name: "stdout" | "stderr", text: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected output(name: "stdout" | "stderr", text: string): void {
    this.tail.add(text);
    for (const listener of this.listeners) listener(name, text);
  }

  /**
   * Waits until the app answers HTTP on its port (any status: an app without a page at / still
   * answers). Resolves "answering", "exited" when the process ended first, "timeout", or "aborted".
   */
  async waitUntilAnswering(timeoutMs: number, signal?: AbortSignal): Promise<"answering" | "exited" | "timeout" | "aborted"> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (signal?.aborted) return "aborted";
      if (!this.running) return "exited";
      const status = await answers(this.launch.port);
      // A connection closed with no answer is an app still starting, or a page that raised before
      // it sent anything: its traceback tells them apart.
      if (status === "closed") await Promise.race([delay(100), this.exited]);
      if (typeof status === "number" || (status === "closed" && this.printedTraceback())) {
        if (typeof status === "number") this.firstStatus = status;
        // The traceback of a failing handler comes through a pipe: give it a moment to arrive.
        await Promise.race([delay(100), this.exited]);
        return "answering";
      }
      // A refused connection on loopback costs microseconds: look often, the cell waits on it.
      await Promise.race([delay(25), this.exited]);
    }
    return "timeout";
  }
}

/** An app on this machine: the notebook's Python (its venv, or the fixed Python) running our launcher. */
export class AppProcess extends AppRun {
  readonly exited: Promise<AppExit>;
  private readonly child: ChildProcess;

  constructor(python: string, launch: AppLaunch) {
    super(launch);
    this.child = spawn(python, [launcherScript(), launch.program], {
      cwd: launch.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: { ...withoutKernelSecrets(process.env), ...appEnvironment(launch) },
    });
    for (const name of ["stdout", "stderr"] as const) {
      this.child[name]!.setEncoding("utf8");
      this.child[name]!.on("data", (text: string) => this.output(name, text));
    }
    this.exited = new Promise<AppExit>((resolve) => {
      this.child.once("exit", (code, signal) => resolve({ code, signal }));
      this.child.once("error", (err) => resolve({ code: null, signal: null, error: err.message }));
    }).then((exit) => (this.exit = exit));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(graceMs = 2000): Promise<void> {
    this.signalGroup("SIGTERM");
    const done = await Promise.race([this.exited.then(() => true), delay(graceMs).then(() => false)]);
    // The group may hold children that outlive the launcher: they go too.
    this.signalGroup("SIGKILL");
    if (!done) await Promise.race([this.exited, delay(2000)]);
  }

  killNow(): void {
    this.signalGroup("SIGKILL");
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      /* the group is empty: nothing left */
    }
  }
}

const TRACEBACK = /^Traceback \(most recent call last\):/;

/**
 * One HTTP GET of / on the port: its status once the whole answer has come (a handler that raises
 * has printed its traceback by then); "closed" when the connection was taken and closed with no
 * answer; undefined when nothing listens. An answer cut off after its headers still counts as
 * answering, with the status it sent.
 */
function answers(port: number): Promise<number | "closed" | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", method: "GET", timeout: 2000 }, (res) => {
      const done = () => resolve(res.statusCode ?? 0);
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
      res.resume();
    });
    req.on("timeout", () => req.destroy());
    req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED" ? undefined : "closed"));
    req.end();
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
