// The notebook's environment as the place its worker runs: an ExecutorSource that creates or
// repairs the environment before the worker starts (with progress in the waiting cell) and
// then runs the worker with the environment's Python. The container executor is the same
// source with another installer and executor (container-source.ts).
import { errorMessage } from "../common/errors.js";
import type { OutputSink } from "../common/output-sink.js";
import { LocalExecutor } from "../runtime/local-executor.js";
import type { Executor, ExecutorSource } from "../runtime/executor.js";
import { InstallError } from "./installer.js";
import { NotebookEnvironment } from "./notebook-environment.js";
import { matchFirstCell, type Identification, type NotebookIdentity } from "./notebook-identity.js";
import { Progress } from "./progress.js";
import type { EnvironmentSettings } from "./settings.js";

export class EnvironmentSource implements ExecutorSource {
  private env?: NotebookEnvironment;
  private distrusted = false;

  constructor(
    protected readonly settings: EnvironmentSettings,
    private readonly identification: Identification,
  ) {}

  /** The notebook's environment, once known (the first cell decides it in a folder of several notebooks). */
  get environment(): NotebookEnvironment | undefined {
    // Made on first use, not in the constructor: subclasses are fully built by then.
    if (!this.env && this.identification.decided) this.env = this.environmentFor(this.identification.identity);
    return this.env;
  }

  /** Ready with nothing to show: not when the folder's requirements wait for the notebook's trust (the first cell says so). */
  readyNow(): boolean {
    const env = this.environment;
    return !this.distrusted && env !== undefined && env.isHealthy() && !env.requirementsSkipped();
  }

  async prepare(context: { sink?: OutputSink; firstCode?: string }): Promise<Executor> {
    const known = this.environment;
    const env = known ?? (this.env = this.environmentFor(matchFirstCell(this.undecided(), context.firstCode ?? "")));
    const progress = new Progress(context.sink);
    await this.beforeEnsure(env, progress);
    if (this.distrusted) {
      this.distrusted = false;
      env.forgetHealth();
    }
    try {
      await env.ensure(progress);
    } catch (err) {
      const output = err instanceof InstallError ? `\n${err.output}` : "";
      throw new Error(`the notebook's environment ${env.identity.environmentName} could not be prepared: ${errorMessage(err)}${output}`, { cause: err });
    }
    return this.executorFor(env);
  }

  private undecided(): Extract<Identification, { decided: false }> {
    if (this.identification.decided) throw new Error("the notebook is already identified");
    return this.identification;
  }

  distrust(): void {
    this.distrusted = true;
  }

  protected environmentFor(identity: NotebookIdentity): NotebookEnvironment {
    return new NotebookEnvironment(this.settings, identity);
  }

  /** Work before the environment is checked (the container source finds its base image). */
  protected async beforeEnsure(_env: NotebookEnvironment, _progress: Progress): Promise<void> {}

  protected executorFor(env: NotebookEnvironment): Executor {
    return new LocalExecutor(env.python);
  }
}
