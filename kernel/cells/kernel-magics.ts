// The magics the kernel runs itself, not Python: %pip on the notebook's environment, and
// %luci (model, env, executor, help). The worker hands these lines over and waits for them.
import { UsageError } from "../common/cell-failure.js";
import type { OutputSink } from "../common/output-sink.js";
import type { ExecutorControl } from "../environments/executor-choice.js";
import type { NotebookEnvironment } from "../environments/notebook-environment.js";
import { runPipMagic, splitArgs } from "../environments/pip-magic.js";
import type { ModelOverrides } from "../pipeline/model/settings.js";
const COMMANDS_HELP = `%luci: Luci's own commands
  %luci model                       which model task cells use, and how it is configured
  %luci model NAME [--base-url URL] [--temperature T] [--max-tokens N]
                                    use another model for this notebook (remembered)
  %luci env                         this notebook's environment: folder, Python, packages
  %luci executor [venv|container]   where the code runs; choose the notebook's venv or its
                                    own Docker container (remembered, from the next cell on)
  %luci container [NAME=VALUE ...]  the container's limits: memory=2g cpus=2 pids=512 tmp=1g
                                    network=on|off (remembered; applied at the next restart)
  %luci run-anyway                  (alone in a cell) run the code the validation gate stopped
  %luci regenerate                  (first line of a task cell) new code for the task, with the changes shown
  %luci trust [NOTEBOOK]            trust the recorded code of a notebook someone else made
  %luci show-code                   the code the last task ran
  %luci export [DIR]                the program as script.py, requirements.txt, Dockerfile,
                                    docker-compose.yml, deploy.sh, .env.example, README (default ./export)
  %luci help, %luci?                this text
Cells: %%python forces Python, %%task forces a task; %pip install|uninstall|list acts on the
notebook's environment.
`;

/** `%luci help`: the commands, then every setting (generated from common/settings.ts, loaded only when asked for). */
export async function luciHelp(): Promise<string> {
  const { settingsHelp } = await import("../common/settings-docs.js");
  return `${COMMANDS_HELP}${settingsHelp()}\n`;
}

export interface MagicContext {
  environment(): NotebookEnvironment | undefined;
  /** Where the code runs (undefined for a kernel on a fixed Python). */
  executor(): ExecutorControl | undefined;
  /** The model settings in words (loads the model layer). */
  describeModel(): Promise<string>;
  setModel(overrides: ModelOverrides): Promise<string>;
  notebookPath(): string | undefined;
  /** The cells that ran, for %luci export and %luci show-code. */
  cells(): { task?: string; code: string }[];
  pythonVersion(): string | undefined;
  /** True when a person runs the cell (the client accepts input, as JupyterLab does; nbconvert does not). */
  interactive(): boolean;
}

export async function runKernelMagic(context: MagicContext, name: string, args: string, sink: OutputSink): Promise<void> {
  if (name === "pip") {
    const env = context.environment();
    if (!env) throw new UsageError("%pip needs a notebook environment; this kernel runs a fixed Python (LUCI_EXECUTOR=local)");
    return runPipMagic(env, args, sink);
  }
  if (name !== "luci") throw new UsageError(`%${name} is not a kernel magic`);
  const [command = "help", ...rest] = splitArgs(args);
  const say = (text: string) => sink.stream("stdout", text.endsWith("\n") ? text : `${text}\n`);
  switch (command) {
    case "help":
    case "?":
      return say(await luciHelp());
    case "env":
    case "environment":
      return say(describeEnvironment(context.environment()));
    case "executor":
    case "container": {
      const executor = context.executor();
      if (!executor) {
        if (command === "executor" && rest.length === 0) return say("local: a fixed Python, nothing installed (LUCI_EXECUTOR=local).");
        throw new UsageError(`%luci ${command}: this kernel runs a fixed Python (LUCI_EXECUTOR=local); start it without LUCI_EXECUTOR=local to choose`);
      }
      if (command === "container") return say(await executor.setLimits(rest));
      return say(rest[0] ? await executor.choose(rest[0]) : executor.describe());
    }
    case "model":
      return say(rest.length === 0 ? await context.describeModel() : await context.setModel(parseModelArgs(rest)));
    case "trust": {
      // A notebook must not trust itself: under nbconvert or "Run All" of an untrusted notebook
      // a %luci trust cell would otherwise clear its own records.
      if (!context.interactive()) {
        throw new UsageError("%luci trust runs only when you run the cell yourself (not under nbconvert or papermill); in a terminal: luci trust NOTEBOOK");
      }
      const path = rest[0] ?? context.notebookPath();
      if (!path) throw new UsageError("%luci trust needs the notebook's path here: %luci trust NOTEBOOK.ipynb");
      const { trustNotebook } = await import("../pipeline/records/trust.js");
      const count = await trustNotebook(path);
      return say(`Trusted ${count} recorded ${count === 1 ? "program" : "programs"} of ${path}: they run without a model call from now on.`);
    }
    case "show-code": {
      const last = [...context.cells()].reverse().find((cell) => cell.task);
      if (!last) return say("No task has run in this kernel yet.");
      return say(`The code of the last task (${last.task}):\n\n${last.code}`);
    }
    case "export": {
      const env = context.environment();
      const requirements = Object.entries(env?.record?.packages ?? {}).map(([n, v]) => `${n}==${v}`);
      const { exportProgram } = await import("../pipeline/export/export-program.js");
      const notebook = context.notebookPath();
      const files = exportProgram({
        dir: rest[0] ?? "export",
        cells: context.cells(),
        requirements,
        pythonVersion: context.pythonVersion(),
        notebookName: notebook?.split("/").pop(),
      });
      return say(`Exported ${context.cells().length} cells to ${files.length} files:\n${files.map((f) => `  ${f}`).join("\n")}`);
    }
    case "run-anyway":
      throw new UsageError("put %luci run-anyway alone in a cell: it runs the code the validation gate last stopped");
    default:
      throw new UsageError(`%luci ${command} is not known; %luci help lists the commands`);
  }
}

function parseModelArgs(args: string[]): ModelOverrides {
  const overrides: ModelOverrides = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new UsageError(`%luci model: ${arg} needs a value`);
      return next;
    };
    if (arg === "--base-url") overrides.baseUrl = value();
    else if (arg === "--temperature") overrides.temperature = Number(value());
    else if (arg === "--max-tokens") overrides.maxTokens = Number(value());
    else if (arg.startsWith("--")) throw new UsageError(`%luci model: unknown option ${arg}`);
    else overrides.model = arg;
  }
  return overrides;
}

function describeEnvironment(env: NotebookEnvironment | undefined): string {
  if (!env) return "This kernel runs a fixed Python (LUCI_EXECUTOR=local), not a notebook environment.";
  const record = env.record;
  const packages = Object.entries(record?.packages ?? {}).map(([n, v]) => `  ${n}==${v}`);
  return [
    `Environment ${env.identity.environmentName} for ${env.identity.key}`,
    `  folder: ${env.dir}`,
    `  Python ${record?.python_version ?? "?"} from ${record?.interpreter ?? "?"}, built with ${record?.tool ?? "?"}`,
    `  ${packages.length} packages${packages.length ? ":" : ""}`,
    ...packages,
  ].join("\n");
}
