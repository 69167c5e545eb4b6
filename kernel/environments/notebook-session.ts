// One notebook's session: which notebook it is, where its code runs, and its Python. Built once
// when the kernel starts (NotebookSession.open) and passed to the interpreter, which asks it
// instead of holding closures over the kernel's start-up variables.
import { log } from "../common/log.js";
import { fixedSource } from "../runtime/executor.js";
import { LocalExecutor } from "../runtime/local-executor.js";
import { PythonRuntime } from "../runtime/python-runtime.js";
import { ChosenSource, initialExecutor, type ExecutorControl } from "./executor-choice.js";
import { executorNamed } from "./executors.js";
import type { NotebookEnvironment } from "./notebook-environment.js";
import { identifyNotebook } from "./notebook-identity.js";
import type { RequirementsConsent } from "./requirements-consent.js";
import { environmentSettings } from "./settings.js";
import { setting } from "../common/settings.js";

export class NotebookSession {
  private constructor(
    /** The notebook's Python: one worker at a time, in the chosen executor. */
    readonly python: PythonRuntime,
    /** The notebook's path as the kernel was started with it (the session name), if it named one. */
    private readonly knownNotebook: string | undefined,
    /** Where the code runs, for %luci executor and %luci container (none for a fixed Python). */
    readonly executor:
      (ExecutorControl & { readonly kind: string; readonly environment: NotebookEnvironment | undefined; ready(): Promise<unknown> }) | undefined,
    /** The folder the notebook's code runs in: tasks and records are relative to it. */
    readonly folder: string,
  ) {}

  /**
   * Where this notebook's code runs: its own environment (LUCI_EXECUTOR=venv, the default), its
   * own container (LUCI_EXECUTOR=container, or `%luci executor container`), or LUCI_PYTHON
   * itself (LUCI_EXECUTOR=local: nothing is installed).
   */
  static open(
    env: NodeJS.ProcessEnv,
    connectionSession: string | undefined,
    folder: string = process.cwd(),
    /** Whether the notebook's folder requirements.txt may be installed (from the notebook's trust); none: never. */
    requirements?: RequirementsConsent,
  ): NotebookSession {
    const executor = setting(env, "LUCI_EXECUTOR") ?? "venv";
    const settings = { ...environmentSettings(env), requirements };
    const sessionName = env.JPY_SESSION_NAME || connectionSession || undefined;
    const identification = identifyNotebook(sessionName, folder);
    const knownNotebook = identification.decided && identification.identity.kind === "notebook" ? identification.identity.key : undefined;
    if (executor === "local")
      return new NotebookSession(new PythonRuntime(fixedSource(new LocalExecutor(settings.basePython))), knownNotebook, undefined, folder);
    if (!executorNamed(executor)) log("warn", `unknown LUCI_EXECUTOR ${JSON.stringify(executor)}; using the notebook's environment`);
    // The source asks the session for the notebook's path (read through the source's own
    // environment, which names the notebook once made): called only after both exist.
    const chosen: ChosenSource = new ChosenSource({ settings, identification, env }, initialExecutor(knownNotebook, env), () => session.notebookPath());
    const session = new NotebookSession(new PythonRuntime(chosen), knownNotebook, chosen, folder);
    return session;
  }

  /**
   * Starts the notebook's Python ahead of the first cell when that needs no work worth showing
   * in a cell: once the chosen executor is loaded (its modules load on first use).
   */
  startPython(): void {
    if (!this.executor) return this.python.start();
    this.executor.ready().then(
      () => this.python.start(),
      () => undefined, // the first cell reports why the executor cannot be used
    );
  }

  /** The notebook's environment, once known (none when the kernel runs a fixed Python: nothing is installed). */
  environment(): NotebookEnvironment | undefined {
    return this.executor?.environment;
  }

  /** The notebook's path, when known (for the records it holds, trust, and its remembered settings). */
  notebookPath(): string | undefined {
    const identity = this.environment()?.identity;
    return identity?.kind === "notebook" ? identity.key : this.knownNotebook;
  }

  /** The environment's packages, pinned ("pandas==2.2.3"); none for a fixed Python. */
  packages(): string[] {
    return Object.entries(this.environment()?.record?.packages ?? {}).map(([name, version]) => `${name}==${version}`);
  }
}
