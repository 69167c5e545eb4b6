// The executors a notebook's code can run in, one entry each: its name (LUCI_EXECUTOR,
// `%luci executor NAME`), a description, how it makes the source of a notebook's workers, and
// how it describes its settings. A new executor (a remote engine, a cluster) is one entry here
// and a folder of its own; nothing else names the executors. (LUCI_EXECUTOR=local, a fixed
// Python with no environment, is not a choice per notebook: NotebookSession handles it.)
import { containerSettings, describeLimits, notebookLimits } from "../runtime/container/container-settings.js";
import { EnvironmentSource } from "./environment-source.js";
import type { Identification } from "./notebook-identity.js";
import type { EnvironmentSettings } from "./settings.js";

/** What an executor needs to make a notebook's source. */
export interface ExecutorContext {
  settings: EnvironmentSettings;
  identification: Identification;
  env: NodeJS.ProcessEnv;
}

export interface ExecutorDefinition {
  readonly name: string;
  /** One line: where the code runs. */
  readonly description: string;
  /**
   * The source of one notebook's workers (its environment and how a worker starts there). A
   * promise: an executor's modules load when it is first chosen (a venv notebook never loads
   * the container executor's eight).
   */
  source(context: ExecutorContext): Promise<EnvironmentSource>;
  /** `%luci executor` when this one is chosen: where the code runs and with which settings. */
  describe(env: NodeJS.ProcessEnv, notebookPath: string | undefined): string;
}

const venv: ExecutorDefinition = {
  name: "venv",
  description: "this notebook's own environment on this machine",
  source: ({ settings, identification }) => Promise.resolve(new EnvironmentSource(settings, identification)),
  describe: () => "venv: this notebook's own environment on this machine (%luci executor container moves it into a container).",
};

const container: ExecutorDefinition = {
  name: "container",
  description: "this notebook's own Docker container",
  source: async ({ settings, identification, env }) => {
    const { ContainerSource } = await import("./container-source.js");
    return new ContainerSource(settings, identification, (notebook) => containerSettings(env, notebookLimits(env).get(notebook)));
  },
  describe: (env, notebookPath) => {
    const limits = containerSettings(env, notebookLimits(env).get(notebookPath)).limits;
    return `container: this notebook's own Docker container (${describeLimits(limits)}). %luci container NAME=VALUE changes a limit; %luci executor venv goes back.`;
  },
};

/** Every executor, by name; the first is the default. */
export const EXECUTORS: readonly ExecutorDefinition[] = [venv, container];

export function executorNamed(name: string | undefined): ExecutorDefinition | undefined {
  return EXECUTORS.find((executor) => executor.name === name);
}

export const DEFAULT_EXECUTOR = EXECUTORS[0]!;
