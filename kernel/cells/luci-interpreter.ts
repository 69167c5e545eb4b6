// Luci's Interpreter: routes each cell by the one routing table (route.ts): Python to the
// notebook's Python runtime, tasks to the task pipeline (for which it is the TaskHost), Luci's
// commands to kernel-magics.ts. It is given the NotebookSession once, at kernel start. Questions
// (complete, inspect, is_complete) go to the live Python namespace.
import type { CommListener, CommRequest, ExecuteContext, ExecuteOutcome, ExecuteRequest, Interpreter, KernelInfo } from "../core/interpreter.js";
import type { JsonObject } from "../protocol/messages.js";
import type { PythonRuntime } from "../runtime/python-runtime.js";
import type { NotebookEnvironment } from "../environments/notebook-environment.js";
import type { NotebookSession } from "../environments/notebook-session.js";
import { CellFailure, UsageError } from "../common/cell-failure.js";
import { setting } from "../common/settings.js";
import { showFailure } from "../core/show-failure.js";
import { runKernelMagic, type MagicContext } from "./kernel-magics.js";
import { routeCell } from "./route.js";
import { importsOnly, runPythonCell } from "./python-cells.js";
import { VERSION } from "../common/version.js";
import { errorMessage } from "../common/errors.js";
import { log } from "../common/log.js";
import { CellLog, gatherContext, namespaceEntries } from "../pipeline/task-context.js";
import { literalAssignments } from "../pipeline/records/parameters.js";
import type { TaskHost, TaskPipeline } from "../pipeline/task-runner.js";
import type { SyntaxErrorInfo } from "../runtime/worker-messages.js";

export class LuciInterpreter implements Interpreter {
  /** Loaded with the first task cell: a notebook of Python cells never loads the model client, zod or marked. */
  private tasks?: TaskPipeline;
  private currentTask?: AbortController;
  private currentRun?: AbortController;
  /** A running `%luci sweep`: an interrupt stops it between scenarios too. */
  private currentSweep?: AbortController;
  /** The cells that ran, for the model's context. */
  private readonly cellLog = new CellLog();

  /** Names set by cells of plain literal assignments (papermill's parameters): tasks read their live values. */
  private readonly parameterCellNames = new Set<string>();
  private readonly python: PythonRuntime;

  constructor(private readonly session: NotebookSession) {
    this.python = session.python;
  }

  kernelInfo(): KernelInfo {
    const version = this.python.pythonVersion ?? "3";
    return {
      implementation: "luci",
      implementation_version: VERSION,
      language_info: {
        name: "python",
        version,
        mimetype: "text/x-python",
        file_extension: ".py",
        pygments_lexer: "ipython3",
        codemirror_mode: { name: "ipython", version: 3 },
        nbconvert_exporter: "python",
      },
      banner:
        `Luci ${VERSION}: a notebook kernel where a cell is Python or a task in plain language.\n` +
        `Python ${version}. Python cells run as in IPython; %%task marks a task, %%python forces Python.`,
      help_links: [{ text: "Python Reference", url: `https://docs.python.org/${version.split(".").slice(0, 2).join(".")}/` }],
    };
  }

  /** Whether the running request accepts input (a person at JupyterLab, not nbconvert). */
  private currentAllowsInput = false;

  async execute(request: ExecuteRequest, context: ExecuteContext): Promise<ExecuteOutcome> {
    this.currentAllowsInput = request.allowStdin;
    const outcome = await this.route(request, context);
    // The environment's record keeps the notebook's cell ids: a notebook renamed or moved while
    // no kernel runs finds its environment by them (notebook-identity.ts, adoptedBy).
    if (request.cellId)
      await this.session
        .environment()
        ?.noteCell(request.cellId)
        .catch((err: unknown) => log("warn", `the cell id was not recorded: ${errorMessage(err)}`));
    return outcome;
  }

  private async route(request: ExecuteRequest, context: ExecuteContext): Promise<ExecuteOutcome> {
    const route = routeCell(request.code);
    switch (route.to) {
      case "task":
        // Still a task cell (the page labels it by the same table): its sweep line runs the task's record.
        if (route.sweep !== undefined) return { ...(await this.runSweep(route.sweep, route.task, request, context)), ranAs: "task" };
        return { ...(await this.runTask(route.task, request, context, route.regenerate)), ranAs: "task" };
      case "luci":
        return { ...(await this.runLuciCommand(route.command, route.args, request, context)), ranAs: "command" };
      case "python":
      case "python-or-task": {
        const outcome = await this.runPython(route.code, route.to === "python" ? "python" : "auto", request, context);
        if (outcome.status === "not_python") return { ...(await this.runTask(request.code.trim(), request, context)), ranAs: "task" };
        if (outcome.status === "ok") {
          // The notebook's program, as the model's context and %luci export see it: cells that worked.
          if (!request.silent) this.cellLog.add({ code: route.code });
          for (const name of Object.keys(literalAssignments(route.code) ?? {})) this.parameterCellNames.add(name);
        }
        return { ...outcome, ranAs: "python" };
      }
    }
  }

  /**
   * A command of Luci's alone in a cell, run by the kernel itself: it needs no Python, so
   * `%luci executor venv` works when the notebook's container cannot start (no Docker engine),
   * and `%luci env` or `%luci trust` cost no worker start.
   */
  private async runLuciCommand(command: string, args: string, request: ExecuteRequest, context: ExecuteContext): Promise<ExecuteOutcome> {
    if (command === "run-anyway") return this.runAnyway(request, context);
    if (command === "sweep") return this.runSweep(args, undefined, request, context);
    try {
      if (command === "regenerate") throw new UsageError("%luci regenerate goes on the first line of a task cell, with the task below it");
      await runKernelMagic(this.magics, "luci", `${command} ${args}`, context);
      return { status: "ok" };
    } catch (err) {
      return showFailure(context, err);
    }
  }

  /**
   * `%luci sweep`: a task's recorded code over scenarios (cells/sweep-command.ts), each scenario
   * an execute of its own on the notebook's Python, its outputs captured by the sweep.
   */
  private async runSweep(args: string, task: string | undefined, request: ExecuteRequest, context: ExecuteContext): Promise<ExecuteOutcome> {
    const abort = new AbortController();
    this.currentSweep = abort;
    try {
      const { sweepCommand } = await import("./sweep-command.js");
      const pipeline = await this.pipeline();
      return await sweepCommand({
        args,
        task,
        request,
        context,
        signal: abort.signal,
        pipeline,
        notebookPath: this.session.notebookPath(),
        folder: this.session.folder,
        parameterCellNames: this.parameterCellNames,
        installPins: (specs) => installPins(this.session.environment(), specs, context),
        host: {
          // What the recorded code imports is installed first, as for a cell: the worker's import
          // scan reads the code as dead code (the scenarios' harness hides it from the scan).
          prepare: async (code) => {
            const outcome = await this.installImportsOf(code, request, context);
            return outcome.status === "error" ? outcome : { status: "ok" };
          },
          run: async (code, sink, options) => {
            const outcome = await this.python.run(
              {
                code,
                mode: "python",
                silent: options.silent,
                store_history: false,
                allow_stdin: false,
                execution_count: request.executionCount,
                user_expressions: {},
              },
              sink,
              async () => {
                throw new UsageError("%pip and %luci lines do not run inside a sweep's scenarios");
              },
            );
            if (outcome.status === "ok") return { status: "ok" };
            if (outcome.status === "error") return { status: "error", ename: outcome.ename, evalue: outcome.evalue };
            if (outcome.status === "not_python") return { status: "error", ename: "SyntaxError", evalue: outcome.syntaxError.msg };
            return { status: "error", ename: "ModuleNotFoundError", evalue: outcome.modules.map((m) => m.name).join(", ") };
          },
        },
      });
    } finally {
      if (this.currentSweep === abort) this.currentSweep = undefined;
    }
  }

  /** A task in plain language: the task pipeline writes the code, then it runs as Python. */
  private async runTask(task: string, request: ExecuteRequest, context: ExecuteContext, regenerate = false): Promise<ExecuteOutcome> {
    const abort = new AbortController();
    this.currentTask = abort;
    try {
      const tasks = await this.pipeline();
      return await tasks.runTask({
        task,
        execute: request,
        notebookPath: this.session.notebookPath(),
        folder: this.session.folder,
        regenerate,
        parameterCellNames: this.parameterCellNames,
        sink: context,
        signal: abort.signal,
      });
    } finally {
      this.currentTask = undefined;
    }
  }

  /** The pipeline's TaskHost: what a task asks of this notebook. Made once, with the pipeline. */
  private readonly taskHost: TaskHost = {
    gatherContext: (task) =>
      gatherContext(
        {
          cells: this.cellLog,
          // Answered by the worker's luci_worker/namespace_summary.py (PROTOCOL.md "Namespace summary").
          namespace: async () => namespaceEntries((await this.python.ask("namespace", {})).names),
          packages: () => this.session.packages(),
          cwd: this.session.folder,
          pythonVersion: this.python.pythonVersion,
        },
        task.task,
      ),
    // Answered by the worker's luci_worker/validation/ (gate.py validate_command; rules in
    // PROTOCOL.md "Validation"); its reply is judged by pipeline/gate.ts.
    validate: async (code) => {
      // Loaded here, with the pipeline's first task: a notebook of Python cells never loads it.
      const { judge } = await import("../pipeline/gate.js");
      // Brought into 0..1 by its declaration (common/settings.ts), as the worker brings it.
      const threshold = setting(process.env, "LUCI_VALIDATION_THRESHOLD");
      return judge(() => this.python.ask("validate", { code, cwd: this.session.folder, threshold }, validationTimeoutMs()), threshold);
    },
    run: async (code, task) => {
      const outcome = await this.runPython(code, "python", task.execute, task.sink);
      if (outcome.status === "ok") this.cellLog.add({ task: task.task, code });
      return pythonOutcome(outcome, task.sink);
    },
    packages: () => this.session.packages(),
    installPins: (specs, task) => installPins(this.session.environment(), specs, task.sink),
    runApp: (code, task) => this.runApp(code, task.task, task.execute, task.sink, task.signal),
  };

  /** The notebook's web apps (kernel/apps/): made with the first one, or for `%luci apps`. */
  private appManager?: import("../apps/app-manager.js").AppManager;

  private async apps(): Promise<import("../apps/app-manager.js").AppManager> {
    this.appManager ??= new (await import("../apps/app-manager.js")).AppManager(process.env);
    return this.appManager;
  }

  /**
   * A program that serves a web interface, started as an app of the notebook (not run as a cell,
   * whose serve_forever() would block it): what it imports is installed first (the worker's
   * import scan, on the program as dead code), then it runs in the notebook's Python.
   */
  private async runApp(code: string, task: string, request: ExecuteRequest, sink: ExecuteContext, signal: AbortSignal): Promise<ExecuteOutcome> {
    try {
      const installed = await this.installImportsOf(code, request, sink);
      if (installed.status !== "ok") return pythonOutcome(installed, sink);
      const place = await this.appPlace();
      const apps = await this.apps();
      await apps.start({ code, place, cwd: this.session.folder, cell: task.replace(/\s+/g, " ").slice(0, 40), sink, signal });
      this.cellLog.add({ task, code });
      return { status: "ok" };
    } catch (err) {
      return showFailure(sink, err);
    }
  }

  /**
   * Where a web app runs: beside the worker when that is not this machine (the notebook's
   * container), else with the notebook's venv's Python, or the fixed Python.
   */
  private async appPlace(): Promise<import("../apps/app-manager.js").AppPlace> {
    const { containerPlace, localPlace } = await import("../apps/app-manager.js");
    const beside = this.python.beside;
    if (beside) return containerPlace(beside);
    const executor = this.session.executor;
    if (!executor) return localPlace(setting(process.env, "LUCI_PYTHON"), process.env);
    const env = this.session.environment();
    if (executor.kind !== "venv" || !env) throw new CellFailure("AppFailed", "the notebook's Python is not running; run the cell again");
    return localPlace(env.python, process.env);
  }

  private async pipeline(): Promise<TaskPipeline> {
    this.tasks ??= new (await import("../pipeline/task-runner.js")).TaskPipeline(this.taskHost, () => this.session.notebookPath(), process.env);
    return this.tasks;
  }

  private readonly magics: MagicContext = {
    environment: () => this.session.environment(),
    executor: () => this.session.executor,
    describeModel: async () => (await this.pipeline()).models.describe(),
    notebookPath: () => this.session.notebookPath(),
    cells: () => this.cellLog.all(),
    pythonVersion: () => this.python.pythonVersion,
    interactive: () => this.currentAllowsInput,
    setModel: async (overrides, options) => (await this.pipeline()).models.set(overrides, options),
    modelDestination: async () => (await this.pipeline()).models.destination(),
    apps: () => this.apps(),
  };

  /** `%luci run-anyway`: runs the code the validation gate last stopped, as it was shown. */
  private async runAnyway(request: ExecuteRequest, context: ExecuteContext): Promise<ExecuteOutcome> {
    const blocked = this.tasks?.blocked;
    if (!blocked || !this.tasks)
      return showFailure(context, new UsageError("no code is waiting: %luci run-anyway runs the code the validation gate last stopped"));
    this.tasks.blocked = undefined;
    return pythonOutcome(await this.runPython(blocked.code, "python", request, context), context);
  }

  /** Installs what a program imports (importsOnly: the worker's scan on it as dead code), running nothing of it. */
  private installImportsOf(code: string, request: ExecuteRequest, sink: ExecuteContext): ReturnType<LuciInterpreter["runPython"]> {
    return this.runPython(importsOnly(code), "python", { ...request, silent: true, storeHistory: false }, sink);
  }

  private async runPython(
    code: string,
    mode: "python" | "auto",
    request: ExecuteRequest,
    context: ExecuteContext,
  ): Promise<ExecuteOutcome | { status: "not_python"; syntaxError: SyntaxErrorInfo }> {
    const abort = new AbortController();
    this.currentRun = abort;
    const outcome = await runPythonCell(
      this.python,
      () => this.session.environment(),
      {
        code,
        mode,
        silent: request.silent,
        store_history: request.storeHistory,
        allow_stdin: request.allowStdin,
        execution_count: request.executionCount,
        user_expressions: request.userExpressions,
        ...(request.msgId ? { msg_id: request.msgId } : {}),
      },
      context,
      (name, args, sink) => runKernelMagic(this.magics, name, args, sink),
      abort.signal,
    ).finally(() => {
      if (this.currentRun === abort) this.currentRun = undefined;
    });
    switch (outcome.status) {
      case "not_python":
        return outcome;
      case "error":
        return { status: "error", ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback, repairable: outcome.repairable };
      case "missing_modules": // runPythonCell installs and runs again; it never returns this
        return showFailure(context, new Error("runPythonCell returned missing_modules: imports were not resolved"));
      default:
        return { status: "ok", userExpressions: outcome.userExpressions, payload: outcome.payload };
    }
  }

  complete(code: string, cursorPos: number): Promise<JsonObject> {
    return this.python.ask("complete", { code, cursor_pos: cursorPos });
  }

  inspect(code: string, cursorPos: number, detailLevel: number): Promise<JsonObject> {
    return this.python.ask("inspect", { code, cursor_pos: cursorPos, detail_level: detailLevel });
  }

  async isComplete(code: string): Promise<JsonObject> {
    const route = routeCell(code).to;
    if (route === "task" || route === "luci") return { status: "complete" };
    return this.python.ask("is_complete", { code });
  }

  /** Comms (ipywidgets) live in the notebook's Python: its worker's comm manager handles them. */
  commMessage(request: CommRequest, context: ExecuteContext): Promise<void> {
    return this.python.comm(request, context);
  }

  onComm(listener: CommListener): void {
    this.python.setCommListener(listener);
  }

  interrupt(): void {
    this.currentTask?.abort(); // stops a model answer at once
    this.currentRun?.abort(); // stops an install the cell started
    this.currentSweep?.abort(); // no further scenario starts
    this.python.interrupt();
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.python.shutdown(), this.appManager?.stopAll()]);
  }
}

/** Code run as Python that did not compile is the cell's SyntaxError (mode "python" never turns it into a task). */
function pythonOutcome(outcome: ExecuteOutcome | { status: "not_python"; syntaxError: SyntaxErrorInfo }, sink: ExecuteContext): ExecuteOutcome {
  return outcome.status === "not_python" ? showFailure(sink, new CellFailure("SyntaxError", outcome.syntaxError.msg)) : outcome;
}

/** Installs the exact versions a record names that the notebook's environment lacks. */
async function installPins(env: NotebookEnvironment | undefined, specs: string[], sink: ExecuteContext): Promise<void> {
  if (!env) return; // a fixed Python: nothing is installed
  const installed = env.record?.packages ?? {};
  const missing = specs.filter((spec) => {
    const [name, version] = spec.split("==");
    return name && version && installed[name] !== version;
  });
  if (missing.length === 0) return;
  const { Progress } = await import("../environments/progress.js");
  const progress = new Progress(sink);
  const label = `Installing the recorded versions (${missing.length} ${missing.length === 1 ? "package" : "packages"})`;
  await env.install(missing, progress, { label });
}

/** LUCI_VALIDATION_TIMEOUT (common/settings.ts): how long the gate may take before the code is refused unjudged. */
function validationTimeoutMs(): number {
  return setting(process.env, "LUCI_VALIDATION_TIMEOUT") * 1000;
}
