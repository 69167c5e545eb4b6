// The notebook's web apps: a task whose program serves a web interface runs it as an app of the
// notebook instead of as a cell (which would block on serve_forever()). Each app is a process of
// its own (app-process.ts) on a free loopback port, written down in the kernel's apps file
// (app-records.ts: how `luci serve`'s proxy finds it, and how the next kernel stops it when this
// one is killed). The cell shows progress and the app's output until the app answers HTTP, then
// a link and a live frame, and ends; the app keeps running. Its display is updated in place when
// the app stops (a crash says so, with its last output). `%luci apps` lists and stops them; they
// all stop with the kernel.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, join } from "node:path";
import { CellFailure, UsageError } from "../common/cell-failure.js";
import type { OutputSink } from "../common/output-sink.js";
import { setting } from "../common/settings.js";
import { appBundle, type AppFacts, type AppState } from "./app-display.js";
import { appLink } from "./app-links.js";
import { AppProcess, freeLoopbackPort, type AppLaunch, type AppRun } from "./app-process.js";
import type { BesideWorker } from "../runtime/executor.js";
import { ContainerApp } from "./container-app.js";
import { appsFolder, startTicks, writeKernelApps, type AppRecord } from "./app-records.js";

/** Where an app runs: this machine (localPlace), or the notebook's container (container-app.ts). */
export interface AppPlace {
  /** The folder the program is written to: its path here, and as the app's Python sees it. */
  programFolder(): { here: string; there: string };
  start(launch: AppLaunch): AppRun;
}

/** An app on this machine, with this Python (the notebook's venv's, or the fixed one). */
export function localPlace(python: string, env: NodeJS.ProcessEnv): AppPlace {
  return {
    programFolder: () => {
      const folder = join(appsFolder(env), "programs");
      return { here: folder, there: folder };
    },
    start: (launch) => new AppProcess(python, launch),
  };
}

/** An app in the notebook's container, beside its worker (container-app.ts). */
export function containerPlace(beside: BesideWorker): AppPlace {
  const shared = () => {
    const folder = beside.shared();
    if (!folder) throw new CellFailure("AppFailed", "the notebook's container is not running; run the cell again");
    return folder;
  };
  return {
    programFolder: shared,
    start: (launch) => new ContainerApp(beside, shared(), launch, basename(launch.program, ".py")),
  };
}

/** What starts an app: its program, where it runs, the notebook's folder, and the cell it came from. */
export interface AppStart {
  code: string;
  place: AppPlace;
  cwd: string;
  /** Which cell, in words: the first words of its task. */
  cell: string;
  sink: OutputSink;
  signal?: AbortSignal;
}

/** The app failed to start: the message says why, with its last output (self-repair may send it back). */
export class AppFailed extends CellFailure {
  constructor(message: string) {
    super("AppFailed", message, { repairable: true });
  }
}

interface RunningApp {
  facts: AppFacts;
  process: AppRun;
  record: AppRecord;
  cell: string;
  sink: OutputSink;
  displayId: string;
  /** Why we stopped it, when we did (then its exit is no crash). */
  stoppedBy?: string;
}

export class AppManager {
  private readonly apps = new Map<number, RunningApp>();
  private nextId = 1;
  private readonly kernelTicks: number | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    /** The kernel's key for its apps file: the id `luci serve` gave it, or its pid. */
    readonly kernelKey: string = setting(env, "LUCI_SERVER_KERNEL_ID") ?? `pid-${process.pid}`,
  ) {
    this.kernelTicks = startTicks(process.pid);
    // Whatever ends the kernel's process, its apps end with it (the next kernel's start catches a SIGKILL).
    process.once("exit", () => {
      for (const app of this.apps.values()) app.process.killNow();
    });
  }

  /** Starts the program as an app; resolves once it answers HTTP, or throws AppFailed (it is stopped then). */
  async start(start: AppStart): Promise<AppFacts> {
    const id = this.nextId++;
    const port = await freeLoopbackPort();
    const link = await appLink(this.env, id, port);
    const folder = start.place.programFolder();
    mkdirSync(folder.here, { recursive: true, mode: 0o700 });
    const name = `${this.kernelKey}-${id}-${randomBytes(4).toString("hex")}.py`;
    const program = join(folder.here, name);
    // Readable by the app's user (a container may run it as another), in a folder only it and we reach.
    writeFileSync(program, start.code, { mode: 0o644 });

    const child = start.place.start({ program: `${folder.there}/${name}`, cwd: start.cwd, port, basePath: link.basePath });
    const facts: AppFacts = { id, port, url: link.url, pid: child.pid };
    const displayId = `luci-app-${this.kernelKey}-${id}`;
    const app: RunningApp = {
      facts,
      process: child,
      cell: start.cell,
      sink: start.sink,
      displayId,
      record: {
        id,
        pid: child.pid ?? 0,
        startTicks: (child.pid && startTicks(child.pid)) || 0,
        port,
        program,
        cell: start.cell,
        started: new Date().toISOString(),
      },
    };
    start.sink.display(appBundle(facts, { state: "starting" }), {}, { display_id: displayId });
    this.apps.set(id, app);
    this.save();
    void child.exited.then(() => this.exited(app));

    // The app's output shows in the cell while the cell runs (it starts, or fails to).
    const unsubscribe = child.onOutput((name, text) => start.sink.stream(name, text));
    const timeoutSeconds = setting(this.env, "LUCI_APP_START_TIMEOUT");
    const outcome = await child.waitUntilAnswering(timeoutSeconds * 1000, start.signal);
    unsubscribe();
    if (outcome === "answering" && !child.firstPageFailed()) {
      this.show(app, { state: "running" });
      return facts;
    }
    const reason =
      outcome === "answering"
        ? `the app started, but its page at / failed${child.firstStatus ? ` (HTTP ${child.firstStatus})` : ""}, so it was stopped`
        : outcome === "exited"
          ? `the app exited (${exitWords(child.exit)}) before it answered on port ${port}`
          : outcome === "timeout"
            ? `the app did not answer HTTP on port ${port} within ${timeoutSeconds} s (LUCI_APP_START_TIMEOUT), so it was stopped`
            : "the cell was interrupted while the app started, so it was stopped";
    await this.stopApp(app, reason);
    const last = child.tail.last(20);
    // The exception first: under http.server's frames a small model repairing the app (and a person
    // reading the cell) misses the one line that says what is wrong.
    const exception = lastException(last);
    const said = exception ? `${reason}: ${exception}` : reason;
    throw new AppFailed(last.length ? `${said}. Its last output:\n${last.join("\n")}` : `${said}; it wrote nothing.`);
  }

  /** `%luci apps`: the notebook's apps, one line each. */
  describe(): string {
    if (this.apps.size === 0) return "No web apps run in this notebook. A task that asks for a web page or dashboard starts one.";
    const rows = [["ID", "CELL", "PORT", "PID", "STATE", "UPTIME", "URL"]];
    for (const app of this.apps.values()) {
      const p = app.process;
      const state = p.running ? "running" : `exited (${exitWords(p.exit)})`;
      rows.push([String(app.facts.id), app.cell.slice(0, 30), String(app.facts.port), String(p.pid ?? "?"), state, uptime(p.started), app.facts.url]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const lines = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
    const exited = [...this.apps.values()].filter((a) => !a.process.running);
    for (const app of exited) {
      const last = app.process.tail.last(5);
      if (last.length) lines.push(`App ${app.facts.id}'s last output:`, ...last.map((l) => `  ${l}`));
    }
    return `${lines.join("\n")}\n%luci apps stop ID (or all) stops them.`;
  }

  /** `%luci apps stop ID|all`. */
  async stop(which: string | undefined): Promise<string> {
    if (!which) throw new UsageError("%luci apps stop needs an app's ID (from %luci apps) or all");
    const targets =
      which === "all" ? [...this.apps.values()] : [this.apps.get(Number(which))].filter((a): a is RunningApp => a !== undefined && /^\d+$/.test(which));
    if (targets.length === 0) {
      if (which === "all") return "No web apps run in this notebook.";
      throw new UsageError(`no web app ${JSON.stringify(which)} in this notebook; %luci apps lists them`);
    }
    for (const app of targets) await this.stopApp(app, "stopped by %luci apps stop");
    return `Stopped ${targets.map((a) => `app ${a.facts.id} (port ${a.facts.port})`).join(", ")}.`;
  }

  /** Every app, when the kernel shuts down or restarts. */
  async stopAll(reason = "the kernel shut down"): Promise<void> {
    await Promise.all([...this.apps.values()].map((app) => this.stopApp(app, reason)));
  }

  /** Stops the app (if it still runs) and takes it off the list. */
  private async stopApp(app: RunningApp, reason: string): Promise<void> {
    if (app.process.running) {
      app.stoppedBy = reason;
      await app.process.stop();
    }
    this.apps.delete(app.facts.id);
    this.save();
  }

  /** The app's process ended: a crash (nobody stopped it) updates its display with its last output. */
  private exited(app: RunningApp): void {
    if (!app.stoppedBy) {
      const lastOutput = app.process.tail.last(20);
      this.show(app, { state: "stopped", reason: `it exited (${exitWords(app.process.exit)})`, lastOutput });
    } else if (app.stoppedBy !== "the kernel shut down") {
      this.show(app, { state: "stopped", reason: app.stoppedBy, lastOutput: [] });
    }
    // Its line stays in %luci apps (exited, with its last output) until stopped; its record and program go.
    rmSync(app.record.program, { force: true });
    this.save();
  }

  private show(app: RunningApp, state: AppState): void {
    app.sink.updateDisplay(appBundle(app.facts, state), {}, { display_id: app.displayId });
  }

  /** The apps file: the apps still running. */
  private save(): void {
    const running = [...this.apps.values()].filter((a) => a.process.running).map((a) => a.record);
    writeKernelApps(this.env, this.kernelKey, { kernel: { pid: process.pid, startTicks: this.kernelTicks }, apps: running });
  }
}

function exitWords(exit: AppRun["exit"]): string {
  if (!exit) return "still running";
  if (exit.error) return `could not start: ${exit.error}`;
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

function uptime(started: number): string {
  const s = Math.round((Date.now() - started) / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The exception line that ends the last Python traceback in an app's output ("NameError: name 'csv' is not defined"). */
export function lastException(lines: readonly string[]): string | undefined {
  const start = lines.findLastIndex((line) => /^Traceback \(most recent call last\):/.test(line));
  if (start < 0) return undefined;
  return (
    lines
      .slice(start + 1)
      // The frames are indented; the first unindented `Name` or `Name: message` after them is the exception.
      .find((line) => /^[A-Za-z_][\w.]*(: .*)?$/.test(line))
      ?.slice(0, 300)
  );
}
