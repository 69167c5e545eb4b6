// Which executor runs a notebook's code: its venv (the default) or its container. Chosen per
// kernel (LUCI_EXECUTOR, which the "Luci (container)" kernelspec sets) or per notebook with
// `%luci executor venv|container` (remembered on this machine). A change takes effect at the
// next cell: the worker is replaced, so the notebook's variables start afresh.
import { UsageError } from "../core/cell-failure.js";
import { NotebookState } from "../common/notebook-state.js";
import type { OutputSink } from "../common/output-sink.js";
import type { Executor, ExecutorSource } from "../runtime/executor.js";
import { describeLimits, notebookLimits, parseLimits, containerSettings } from "../runtime/container/container-settings.js";
import type { EnvironmentSource } from "./environment-source.js";
import type { NotebookEnvironment } from "./notebook-environment.js";

export const EXECUTOR_KINDS = ["venv", "container"] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

export const notebookExecutors = (env: NodeJS.ProcessEnv = process.env) => new NotebookState<{ executor: ExecutorKind }>("notebook-executors.json", env);

/** What `%luci executor` and `%luci container` act on. */
export interface ExecutorControl {
  describe(): string;
  choose(kind: string): Promise<string>;
  setLimits(words: string[]): Promise<string>;
}

export class ChosenSource implements ExecutorSource, ExecutorControl {
  private started?: ExecutorKind;

  constructor(
    private readonly sources: Record<ExecutorKind, EnvironmentSource>,
    private current: ExecutorKind,
    private readonly notebookPath: () => string | undefined,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get kind(): ExecutorKind {
    return this.current;
  }

  get environment(): NotebookEnvironment | undefined {
    return this.sources[this.current].environment;
  }

  readyNow(): boolean {
    return this.sources[this.current].readyNow();
  }

  prepare(context: { sink?: OutputSink; firstCode?: string }): Promise<Executor> {
    this.started = this.current;
    return this.sources[this.current].prepare(context);
  }

  distrust(): void {
    this.sources[this.current].distrust();
  }

  /** The running worker was started by the other executor: replace it. */
  stale(): boolean {
    return this.started !== undefined && this.started !== this.current;
  }

  describe(): string {
    if (this.current === "venv") return "venv: this notebook's own environment on this machine (%luci executor container moves it into a container).";
    const limits = containerSettings(this.env, notebookLimits(this.env).get(this.notebookPath())).limits;
    return `container: this notebook's own Docker container (${describeLimits(limits)}). %luci container NAME=VALUE changes a limit; %luci executor venv goes back.`;
  }

  async choose(kind: string): Promise<string> {
    if (!(EXECUTOR_KINDS as readonly string[]).includes(kind))
      throw new UsageError(`%luci executor: ${JSON.stringify(kind)} is not an executor; choose venv or container`);
    const notebook = this.notebookPath();
    if (notebook) await notebookExecutors(this.env).set(notebook, { executor: kind as ExecutorKind });
    if (kind === this.current) return `This notebook already runs in its ${kind}.`;
    this.current = kind as ExecutorKind;
    const remembered = notebook ? " (remembered for this notebook)" : "";
    return `From the next cell on, this notebook's code runs in its ${kind}${remembered}. That is a fresh Python: run the earlier cells again for their variables.`;
  }

  async setLimits(words: string[]): Promise<string> {
    const notebook = this.notebookPath();
    const store = notebookLimits(this.env);
    if (words.length === 0) return this.describe();
    if (!notebook) throw new UsageError("%luci container needs to know the notebook (run it from a notebook, not a console)");
    const limits = { ...store.get(notebook), ...parseLimits(words) };
    await store.set(notebook, limits);
    const all = containerSettings(this.env, limits).limits;
    return `This notebook's container: ${describeLimits(all)}. The limits apply when its container next starts (a kernel restart).`;
  }
}

/** The executor a kernel starts with: LUCI_EXECUTOR if set, else the notebook's remembered choice, else venv. */
export function initialExecutor(notebookPath: string | undefined, env: NodeJS.ProcessEnv = process.env): ExecutorKind {
  const set = env.LUCI_EXECUTOR;
  if (set === "venv" || set === "container") return set;
  return notebookExecutors(env).get(notebookPath).executor ?? "venv";
}
