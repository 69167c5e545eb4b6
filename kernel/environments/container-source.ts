// The container executor's source: the notebook's environment (a venv built inside containers,
// container-installer.ts) under <environments>/containers, and a container of the notebook's own
// for each worker. Containers a killed kernel left behind are removed before the first one starts.
import { join } from "node:path";
import type { Executor } from "../runtime/executor.js";
import { baseImage, type BaseImage } from "../runtime/container/base-image.js";
import { ContainerExecutor, IN_CONTAINER } from "../runtime/container/container-executor.js";
import type { ContainerSettings } from "../runtime/container/container-settings.js";
import { removeStaleContainers } from "../runtime/container/stale-containers.js";
import { ContainerInstaller } from "./container-installer.js";
import { EnvironmentSource } from "./environment-source.js";
import { NotebookEnvironment } from "./notebook-environment.js";
import type { Identification, NotebookIdentity } from "./notebook-identity.js";
import type { Progress } from "./progress.js";
import type { EnvironmentSettings } from "./settings.js";

/** Container environments live apart from venvs: the same notebook may use both. */
function containerEnvironmentSettings(settings: EnvironmentSettings): EnvironmentSettings {
  return { ...settings, dir: join(settings.dir, "containers") };
}

export class ContainerSource extends EnvironmentSource {
  private base?: BaseImage;
  private swept = false;

  /** `container` gives the settings for the notebook (its own limits may change between workers). */
  constructor(
    settings: EnvironmentSettings,
    identification: Identification,
    private readonly container: (notebook: string | undefined) => ContainerSettings,
  ) {
    super(containerEnvironmentSettings(settings), identification);
  }

  protected override environmentFor(identity: NotebookIdentity): NotebookEnvironment {
    const installer = (dir: string) => new ContainerInstaller(this.settings, this.container(identity.key), dir, () => this.base);
    return new NotebookEnvironment(this.settings, identity, installer);
  }

  protected override async beforeEnsure(env: NotebookEnvironment, progress: Progress): Promise<void> {
    if (!this.swept) {
      this.swept = true;
      const removed = await removeStaleContainers();
      if (removed > 0) progress.note(`Removed ${removed} container${removed === 1 ? "" : "s"} left behind by a kernel that was killed.`);
    }
    const settings = this.container(env.identity.key);
    const base = await baseImage(settings, (text) => progress.note(text));
    if (!this.base && base.note) progress.note(base.note);
    this.base = base; // the environment's installer reads it from here
  }

  protected override executorFor(env: NotebookEnvironment): Executor {
    return new ContainerExecutor({
      image: this.base!.name,
      python: env.python,
      settings: this.container(env.identity.key),
      mounts: [{ host: env.dir, container: IN_CONTAINER.env }],
      name: env.identity.environmentName,
    });
  }
}
