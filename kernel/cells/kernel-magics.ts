// The magics the kernel runs itself, not Python: %pip on the notebook's environment, and
// %luci (model, env, executor, help). The worker hands these lines over and waits for them.
import { UsageError } from "../common/cell-failure.js";
import type { OutputSink } from "../common/output-sink.js";
import type { AppManager } from "../apps/app-manager.js";
import type { ExecutorControl } from "../environments/executor-choice.js";
import type { NotebookEnvironment } from "../environments/notebook-environment.js";
import { runPipMagic, splitArgs } from "../environments/pip-magic.js";
import type { ModelOverrides } from "../pipeline/model/settings.js";
import { modelCommand } from "./model-command.js";
import { trustCommand } from "./trust-command.js";
const COMMANDS_HELP = `%luci: Luci's own commands
  %luci model                       which model task cells use, and how it is configured
  %luci model NAME [--base-url URL] [--temperature T] [--max-tokens N]
                                    use another model for this notebook (remembered when the
                                    notebook is trusted; a new --base-url asks you first)
  %luci model NAME [--base-url URL] --default [--key]
                                    your default for every notebook without a model of its own
                                    (--key asks for the endpoint's API key, saved, never shown)
  %luci env                         this notebook's environment: folder, Python, packages
  %luci executor [venv|container]   where the code runs; choose the notebook's venv or its
                                    own Docker container (remembered, from the next cell on)
  %luci container [NAME=VALUE ...]  the container's limits: memory=2g cpus=2 pids=512 tmp=1g
                                    network=on|off (remembered; applied at the next restart)
  %luci run-anyway                  (alone in a cell) run the code the validation gate stopped
  %luci regenerate                  (first line of a task cell) new code for the task, with the changes shown
  %luci sweep NAME=VALUES ...       the last task's recorded code over every combination of values, no model
                                    call: rate=0.03:0.08:0.01 (a range, end included), years=15,30 (a list),
                                    city=Paris,"New York"; a table and a chart, the rows in sweep_results.
                                    Alone in a cell: the last task run (in a notebook just opened, the task
                                    cell above); first line of a task cell: that task
  %luci trust [NOTEBOOK]            trust the recorded code of a notebook someone else made
                                    (and its folder's requirements.txt): asks you to type its name
  %luci show-code                   the code the last task ran
  %luci apps                        the web apps tasks started: cell, port, URL, pid, state, uptime
  %luci apps stop ID|all            stop a web app (all of them stop with the kernel)
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
  /**
   * Changes the model (from the next task on); remembered for the notebook only when asked (the
   * notebook is trusted). Says what changed.
   */
  setModel(overrides: ModelOverrides, options: { remember: boolean; asDefault?: boolean }): Promise<string>;
  /** Where task cells are sent now (undefined: found on this machine), and whether an API key goes with them. */
  modelDestination(): Promise<{ baseUrl?: string; keySet: boolean }>;
  notebookPath(): string | undefined;
  /** The cells that ran, for %luci export and %luci show-code. */
  cells(): { task?: string; code: string }[];
  pythonVersion(): string | undefined;
  /**
   * True when the client accepts input (JupyterLab, the page; not nbconvert). Not proof that a
   * person ran the cell (Run All sends the same): what needs a person asks one on stdin.
   */
  interactive(): boolean;
  /** The notebook's web apps (kernel/apps/), for %luci apps. */
  apps(): Promise<AppManager>;
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
      return say(await modelCommand(context, rest, sink));
    case "trust":
      return say(await trustCommand(context, rest, sink));
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
    case "apps": {
      const apps = await context.apps();
      if (rest[0] === "stop") return say(await apps.stop(rest[1]));
      if (rest.length) throw new UsageError("%luci apps lists the web apps; %luci apps stop ID|all stops them");
      return say(apps.describe());
    }
    case "run-anyway":
      throw new UsageError("put %luci run-anyway alone in a cell: it runs the code the validation gate last stopped");
    case "sweep":
      throw new UsageError("put %luci sweep alone in a cell (it sweeps the last task), or as the first line of a task cell: it runs Python itself");
    default:
      throw new UsageError(`%luci ${command} is not known; %luci help lists the commands`);
  }
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
