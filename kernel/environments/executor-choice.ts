// Which executor runs a notebook's code: its venv (the default) or its container. Chosen per
// kernel (LUCI_EXECUTOR, which the "Luci (container)" kernelspec sets) or per notebook with
// `%luci executor venv|container` (remembered on this machine). A change takes effect at the
// next cell: the worker is replaced, so the notebook's variables start afresh.
import { UsageError } from "../common/cell-failure.js";
import { NotebookState } from "../common/notebook-state.js";
import { object, optional, string } from "../common/shape.js";
import type { OutputSink } from "../common/output-sink.js";
import type { Executor, ExecutorSource } from "../runtime/executor.js";
import { describeLimits, notebookLimits, parseLimits, containerSettings } from "../runtime/container/container-settings.js";
import type { EnvironmentSource } from "./environment-source.js";
import { DEFAULT_EXECUTOR, EXECUTORS, executorNamed, type ExecutorContext, type ExecutorDefinition } from "./executors.js";
import type { NotebookEnvironment } from "./notebook-environment.js";
import { setting } from "../common/settings.js";

export const notebookExecutors = (env: NodeJS.ProcessEnv = process.env) =>
  new NotebookState<{ executor: string }>("notebook-executors.json", env, object({ executor: optional(string) }));

/** What `%luci executor` and `%luci container` act on. */
export interface ExecutorControl {
  describe(): string;
  choose(kind: string): Promise<string>;
  setLimits(words: string[]): Promise<string>;
}

export class ChosenSource implements ExecutorSource, ExecutorControl {
  private started?: ExecutorDefinition;
  /** Each executor's source once made, and the making of it (made when the executor is first chosen). */
  private readonly sources = new Map<string, EnvironmentSource>();
  private readonly making = new Map<string, Promise<EnvironmentSource>>();

  constructor(
    private readonly context: ExecutorContext,
    private current: ExecutorDefinition,
    private readonly notebookPath: () => string | undefined,
  ) {
    void this.ready().catch(() => undefined); // its failure is the first cell's to report (prepare)
  }

  get kind(): string {
    return this.current.name;
  }

  /** Resolves when the chosen executor's source is made (its modules loaded): then readyNow() can say yes. */
  ready(): Promise<EnvironmentSource> {
    const definition = this.current;
    let making = this.making.get(definition.name);
    if (!making) {
      making = definition.source(this.context).then((source) => {
        this.sources.set(definition.name, source);
        return source;
      });
      making.catch(() => this.making.delete(definition.name));
      this.making.set(definition.name, making);
    }
    return making;
  }

  get environment(): NotebookEnvironment | undefined {
    return this.sources.get(this.current.name)?.environment;
  }

  readyNow(): boolean {
    return this.sources.get(this.current.name)?.readyNow() ?? false;
  }

  async prepare(context: { sink?: OutputSink; firstCode?: string }): Promise<Executor> {
    this.started = this.current;
    return (await this.ready()).prepare(context);
  }

  distrust(): void {
    this.sources.get(this.current.name)?.distrust();
  }

  /** The running worker was started by the other executor: replace it. */
  stale(): boolean {
    return this.started !== undefined && this.started !== this.current;
  }

  describe(): string {
    return this.current.describe(this.context.env, this.notebookPath());
  }

  async choose(name: string): Promise<string> {
    const chosen = executorNamed(name);
    if (!chosen)
      throw new UsageError(
        `%luci executor: ${JSON.stringify(name)} is not an executor; choose ${EXECUTORS.map((e) => `${e.name} (${e.description})`).join(" or ")}`,
      );
    const notebook = this.notebookPath();
    if (notebook) await notebookExecutors(this.context.env).set(notebook, { executor: chosen.name });
    if (chosen === this.current) return `This notebook already runs in its ${chosen.name}.`;
    this.current = chosen;
    const remembered = notebook ? " (remembered for this notebook)" : "";
    return `From the next cell on, this notebook's code runs in its ${chosen.name}${remembered}. That is a fresh Python: run the earlier cells again for their variables.`;
  }

  async setLimits(words: string[]): Promise<string> {
    const notebook = this.notebookPath();
    const store = notebookLimits(this.context.env);
    if (words.length === 0) return this.describe();
    if (!notebook) throw new UsageError("%luci container needs to know the notebook (run it from a notebook, not a console)");
    const limits = { ...store.get(notebook), ...parseLimits(words) };
    await store.set(notebook, limits);
    const all = containerSettings(this.context.env, limits).limits;
    return `This notebook's container: ${describeLimits(all)}. The limits apply when its container next starts (a kernel restart).`;
  }
}

/** The executor a kernel starts with: LUCI_EXECUTOR if it names one, else the notebook's remembered choice, else the default (venv). */
export function initialExecutor(notebookPath: string | undefined, env: NodeJS.ProcessEnv = process.env): ExecutorDefinition {
  return executorNamed(setting(env, "LUCI_EXECUTOR")) ?? executorNamed(notebookExecutors(env).get(notebookPath).executor) ?? DEFAULT_EXECUTOR;
}
