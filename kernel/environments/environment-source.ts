// The notebook's environment as the place its worker runs: an ExecutorSource that creates or
// repairs the environment before the worker starts (with progress in the waiting cell) and
// then runs the worker with the environment's Python.
import type { OutputSink } from "../common/output-sink.js";
import { LocalExecutor } from "../runtime/local-executor.js";
import type { Executor, ExecutorSource } from "../runtime/executor.js";
import { InstallError } from "./installer.js";
import { NotebookEnvironment } from "./notebook-environment.js";
import { matchFirstCell, type Identification } from "./notebook-identity.js";
import { Progress } from "./progress.js";
import type { EnvironmentSettings } from "./settings.js";

export class EnvironmentSource implements ExecutorSource {
  private env?: NotebookEnvironment;
  private distrusted = false;

  constructor(
    private readonly settings: EnvironmentSettings,
    private readonly identification: Identification,
  ) {
    if (identification.decided) this.env = new NotebookEnvironment(settings, identification.identity);
  }

  /** The notebook's environment, once known (the first cell decides it in a folder of several notebooks). */
  get environment(): NotebookEnvironment | undefined {
    return this.env;
  }

  readyNow(): boolean {
    return !this.distrusted && this.env !== undefined && this.env.isHealthy();
  }

  async prepare(context: { sink?: OutputSink; firstCode?: string }): Promise<Executor> {
    if (!this.env && !this.identification.decided) {
      this.env = new NotebookEnvironment(this.settings, matchFirstCell(this.identification, context.firstCode ?? ""));
    }
    const env = this.env!;
    if (this.distrusted) {
      this.distrusted = false;
      env.forgetHealth();
    }
    try {
      await env.ensure(new Progress(context.sink));
    } catch (err) {
      const output = err instanceof InstallError ? `\n${err.output}` : "";
      throw new Error(`the notebook's environment ${env.identity.environmentName} could not be prepared: ${(err as Error).message}${output}`);
    }
    return new LocalExecutor(env.python);
  }

  distrust(): void {
    this.distrusted = true;
  }
}
