// One notebook's environment: made on first use, reused while healthy, repaired when its
// interpreter is gone or its creation or an install was cut off, and changed only under its own
// inter-process lock (so two kernels never build it twice). The registry records what is in it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { withLock } from "../common/file-lock.js";
import { log } from "../common/log.js";
import { InstallError, Installer, InstallInterrupted, type EnvironmentInstaller, type InstallOptions } from "./installer.js";
import { adoptedBy, cellIds, movedFrom, withFreeName, type NotebookIdentity } from "./notebook-identity.js";
import type { Progress } from "./progress.js";
import { NO_CONSENT } from "./requirements-consent.js";
import { CellFailure } from "../common/cell-failure.js";
import {
  CELL_IDS_KEPT,
  liveKernels,
  Registry,
  RegistryError,
  thisKernel,
  withKernel,
  type EnvironmentRecord,
  type EnvironmentStore,
  type KernelUse,
} from "./registry.js";
import type { EnvironmentSettings } from "./settings.js";

export interface EnvironmentInstallOptions extends InstallOptions {
  /** The cell's progress line (default "Installing SPECS"). */
  label?: string;
  /** What the line says when done, from the packages installed afterwards. */
  describe?: (packages: Record<string, string>) => string;
  /** The requirements to remember, when they are not `specs` (%pip's arguments hold flags). */
  requested?: string[];
}

/** Written last when an environment is complete; missing means creation or an install was cut off. */
const READY_MARKER = ".luci-ready";

export class NotebookEnvironment {
  readonly dir: string;
  readonly installer: EnvironmentInstaller;
  /** Where the environment's record is kept (the registry file of the environments folder by default). */
  readonly registry: EnvironmentStore;
  /** Which notebook, and its environment's folder name (that of its first path, when it was renamed since). */
  readonly identity: NotebookIdentity;

  /** `makeInstaller` gives the installer for the environment's folder (a venv on this machine by default). */
  constructor(
    readonly settings: EnvironmentSettings,
    identity: NotebookIdentity,
    makeInstaller: (dir: string) => EnvironmentInstaller = (dir) => new Installer(settings, dir),
    store: EnvironmentStore = new Registry(settings.dir),
  ) {
    this.registry = store;
    this.identity = registered(identity, store);
    this.dir = join(settings.dir, this.identity.environmentName);
    this.installer = makeInstaller(this.dir);
  }

  get python(): string {
    return this.installer.python;
  }

  get record(): EnvironmentRecord | undefined {
    const record = this.registry.get(this.identity.key);
    if (record || !this.identity.formerKey) return record;
    // Renamed, and not yet moved in the registry (the first locked step does that).
    const former = this.registry.get(this.identity.formerKey);
    return former?.name === this.identity.environmentName ? former : undefined;
  }

  /** True when the environment can be used as it is, with no work worth showing. */
  isHealthy(): boolean {
    return this.record?.state === "ready" && existsSync(join(this.dir, READY_MARKER)) && this.installer.exists();
  }

  /** Its Python would not start: the next ensure() rebuilds it. */
  forgetHealth(): void {
    rmSync(join(this.dir, READY_MARKER), { force: true });
  }

  /** Makes sure the environment exists and is whole: reuses, creates or repairs it. */
  async ensure(progress: Progress): Promise<void> {
    await this.locked(progress, async () => {
      if (this.isHealthy()) {
        await this.touch();
        return this.skippedRequirements(progress);
      }
      const record = this.record;
      if (record) return this.repair(record, progress);
      return this.create(progress);
    });
  }

  /**
   * The one path for installs into the environment (a record's pins, %pip, what a cell imports):
   * under the environment's lock, with one progress line in the cell, then the requirements are
   * remembered for a rebuild. Gives the environment's packages after the install.
   */
  async install(specs: string[], progress: Progress, options: EnvironmentInstallOptions = {}): Promise<Record<string, string>> {
    const { label, describe, requested, ...installOptions } = options;
    const packages = await this.change(progress, () =>
      progress.run(
        label ?? `Installing ${specs.join(", ")}`,
        async () => {
          await this.installer.install(specs, installOptions);
          return this.installer.freeze().catch((): Record<string, string> => ({}));
        },
        describe,
      ),
    );
    await this.remember(requested ?? specs);
    return packages;
  }

  /** Changes the environment under its lock; the ready marker is absent while the change runs. */
  async change<T>(progress: Progress, work: () => Promise<T>): Promise<T> {
    return this.locked(progress, async () => {
      if (!this.isHealthy()) {
        const record = this.record;
        if (record) await this.repair(record, progress);
        else await this.create(progress);
      }
      await this.setState("installing");
      rmSync(join(this.dir, READY_MARKER), { force: true });
      let result: T;
      try {
        result = await work();
      } catch (err) {
        // A failed install leaves the environment as it was (the installers resolve before they
        // change anything); one stopped part-way by an interrupt may not: the ready marker then
        // stays away, so the next use checks and repairs.
        if (!(err instanceof InstallInterrupted)) await this.settle();
        throw err;
      }
      await this.settle();
      return result;
    });
  }

  /** After a change: record what is installed and mark the environment ready again. */
  private async settle(): Promise<void> {
    await this.recordPackages();
    this.markReady();
    await this.setState("ready");
  }

  /** Adds requirement strings to what the notebook asked for. */
  async remember(requested: string[], forget: string[] = []): Promise<void> {
    const names = new Set(forget.map(requirementName));
    await this.registry.update((all) => {
      const record = all[this.identity.key];
      if (!record) return;
      const kept = record.requested.filter((r) => !names.has(requirementName(r)));
      for (const spec of requested) {
        const name = requirementName(spec);
        const at = kept.findIndex((r) => requirementName(r) === name);
        if (at >= 0) kept[at] = spec;
        else kept.push(spec);
      }
      record.requested = kept;
    });
  }

  private async locked<T>(progress: Progress, work: () => Promise<T>): Promise<T> {
    mkdirSync(this.settings.dir, { recursive: true });
    return withLock(
      `${this.dir}.lock`,
      async () => {
        await this.claim();
        return work();
      },
      { onWait: (owner) => progress.note(`Waiting for ${owner}, which is working on this notebook's environment…`) },
    );
  }

  /**
   * Under the environment's lock: writes this kernel into the record as a user (so `luci env gc`
   * leaves it alone while the kernel runs) and the ids of the notebook file's cells, and first
   * moves the record to the notebook's new path when the notebook was renamed or moved since its
   * environment was made (unless a kernel of another notebook took it meanwhile: then the cell
   * says so, and a restart gives the notebook its own).
   */
  private async claim(): Promise<void> {
    const { key, formerKey, environmentName, kind } = this.identity;
    const me = thisKernel();
    const ids = kind === "notebook" ? cellIds(key) : [];
    const moved = await this.registry.update((all) => {
      let from: string | undefined;
      const former = formerKey === undefined ? undefined : all[formerKey];
      if (!all[key] && formerKey !== undefined && former?.name === environmentName && !usedByOthers(former, me)) {
        delete all[formerKey];
        all[key] = { ...former, key, notebook: key };
        from = formerKey;
      } else if (!all[key] && formerKey !== undefined && Object.values(all).some((r) => r.name === environmentName)) {
        return "taken" as const;
      }
      const record = all[key];
      if (record) {
        record.kernels = withKernel(record.kernels, me);
        withCells(record, ids);
      }
      return from;
    });
    if (moved === "taken")
      throw new CellFailure(
        "EnvironmentTaken",
        `the environment ${environmentName} of ${formerKey} was taken by another notebook's kernel meanwhile: restart the kernel to give this notebook its own`,
      );
    if (moved) log("info", `the notebook ${moved} is now ${key}: its environment ${environmentName} follows it`);
  }

  /** The cell ids already in the record, or being written there. */
  private readonly notedCells = new Set<string>();

  /** Remembers the id of a cell the notebook ran (the execute_request's cellId), once the record exists. */
  async noteCell(id: string): Promise<void> {
    if (this.identity.kind !== "notebook" || this.notedCells.has(id)) return;
    const record = this.registry.get(this.identity.key);
    if (!record) return;
    for (const known of record.cells ?? []) this.notedCells.add(known);
    if (this.notedCells.has(id)) return;
    this.notedCells.add(id);
    await this.registry.update((all) => {
      const own = all[this.identity.key];
      if (own) withCells(own, [id]);
    });
  }

  private async create(progress: Progress): Promise<void> {
    const now = new Date().toISOString();
    await this.registry.update((all) => {
      all[this.identity.key] = {
        key: this.identity.key,
        name: this.identity.environmentName,
        notebook: this.identity.key,
        interpreter: this.installer.origin,
        python_version: "unknown",
        packages: {},
        requested: [],
        state: "creating",
        tool: this.installer.tool,
        created: now,
        last_used: now,
        kernels: withKernel(undefined, thisKernel()),
        ...(this.identity.kind === "notebook" ? { cells: cellIds(this.identity.key).slice(-CELL_IDS_KEPT) } : {}),
      };
    });
    await this.build(progress, `Creating environment ${this.identity.environmentName}`);
    await this.installRequirements(progress);
    await this.recordPackages();
    this.markReady();
    await this.setState("ready");
  }

  /**
   * The folder's requirements.txt, installed only when the notebook is trusted (its consent,
   * given by the kernel; none: never): installing it runs code from the folder. Refused, it is
   * remembered as skipped and the cell says what was skipped, why and how to allow it; it is
   * installed at the first start (or `%luci trust`) after the notebook is trusted.
   */
  private async installRequirements(progress: Progress): Promise<void> {
    const wanted = await this.wantedRequirements(progress);
    if (wanted) await this.installRequirementsFile(wanted.file, wanted.specs, progress);
  }

  /** The requirements to install now, if any and if allowed; a refusal is said in the cell and remembered. */
  private async wantedRequirements(progress: Progress): Promise<{ file: string; specs: string[] } | undefined> {
    const file = this.requirementsFile();
    const specs = file ? readRequirements(file) : [];
    if (!file || specs.length === 0) {
      await this.markRequirementsSkipped(undefined);
      return undefined;
    }
    const refusal = await (this.settings.requirements ?? NO_CONSENT).refusal(this.identity);
    if (!refusal) return { file, specs };
    await this.markRequirementsSkipped(file);
    const listed = specs.length > 5 ? `${specs.slice(0, 5).join(", ")} and ${specs.length - 5} more` : specs.join(", ");
    progress.note(
      `${file} was not installed (it asks for ${listed}): installing what a notebook's folder asks for runs code from it, ` +
        `and ${refusal.charAt(0).toLowerCase()}${refusal.slice(1)}`,
    );
    return undefined;
  }

  private async installRequirementsFile(file: string, specs: string[], progress: Progress): Promise<void> {
    // Remembered first: if the install fails or is cut off, the repair installs them again.
    await this.remember(specs);
    await progress.run(`Installing requirements.txt (${specs.length} ${specs.length === 1 ? "package" : "packages"})`, () =>
      this.installer.install(["-r", file]),
    );
    await this.markRequirementsSkipped(undefined);
  }

  /** Whether the folder's requirements.txt was skipped (the notebook was not trusted) and waits to be installed. */
  requirementsSkipped(): boolean {
    return this.record?.requirements_skipped !== undefined;
  }

  /**
   * Installs the requirements skipped while the notebook was not trusted, if it is now (after
   * `%luci trust`, or at the first start after `luci trust`); else says again why not.
   */
  async installSkippedRequirements(progress: Progress): Promise<void> {
    await this.locked(progress, () => this.skippedRequirements(progress));
  }

  /** Under the lock, in a healthy environment: as a change (the ready marker away while it installs). */
  private async skippedRequirements(progress: Progress): Promise<void> {
    if (!this.requirementsSkipped()) return;
    const wanted = await this.wantedRequirements(progress);
    if (!wanted) return;
    await this.setState("installing");
    rmSync(join(this.dir, READY_MARKER), { force: true });
    try {
      await this.installRequirementsFile(wanted.file, wanted.specs, progress);
    } catch (err) {
      if (!(err instanceof InstallInterrupted)) await this.settle();
      throw err;
    }
    await this.settle();
  }

  private async markRequirementsSkipped(file: string | undefined): Promise<void> {
    if (this.record?.requirements_skipped === file) return;
    await this.registry.update((all) => {
      const record = all[this.identity.key];
      if (!record) return;
      if (file) record.requirements_skipped = file;
      else delete record.requirements_skipped;
    });
  }

  /** Rebuilds from the registry's package list: the interpreter is gone, or work was cut off. */
  private async repair(record: EnvironmentRecord, progress: Progress): Promise<void> {
    const why = !this.installer.exists()
      ? "its Python interpreter is missing"
      : record.state !== "ready"
        ? `its ${record.state === "creating" ? "creation" : "last install"} was cut off`
        : "it is incomplete";
    // What was installed, pinned; and what the notebook asked for that was never installed
    // (a requirements.txt whose install failed or was cut off).
    const pins = Object.entries(record.packages).map(([name, version]) => `${name}==${version}`);
    for (const spec of record.requested) if (!(requirementName(spec) in record.packages)) pins.push(spec);
    progress.note(
      `Repairing environment ${record.name}: ${why}. Rebuilding it from the registry's package list` +
        ` (${pins.length} ${pins.length === 1 ? "package" : "packages"}).`,
    );
    await this.setState("creating");
    await this.build(progress, `Recreating environment ${record.name}`);
    if (pins.length > 0) await progress.run(`Reinstalling ${pins.length} ${pins.length === 1 ? "package" : "packages"}`, () => this.installer.install(pins));
    await this.recordPackages();
    this.markReady();
    await this.setState("ready");
  }

  private async build(progress: Progress, text: string): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    const version = await progress.run(
      `${text} with ${this.installer.tool === "uv" ? "uv" : "venv and pip"}`,
      () => this.installer.create(),
      (v) => `Python ${v}`,
    );
    await this.registry.update((all) => {
      const record = all[this.identity.key];
      if (record) {
        record.python_version = version;
        record.tool = this.installer.tool;
      }
    });
  }

  private async recordPackages(): Promise<void> {
    let packages: Record<string, string>;
    try {
      packages = await this.installer.freeze();
    } catch (err) {
      if (err instanceof InstallError) return;
      throw err;
    }
    await this.registry.update((all) => {
      const record = all[this.identity.key];
      if (record) record.packages = packages;
    });
  }

  private markReady(): void {
    writeFileSync(join(this.dir, READY_MARKER), new Date().toISOString() + "\n");
  }

  private async setState(state: EnvironmentRecord["state"]): Promise<void> {
    await this.registry.update((all) => {
      const record = all[this.identity.key];
      if (record) {
        record.state = state;
        record.last_used = new Date().toISOString();
      }
    });
  }

  private async touch(): Promise<void> {
    await this.setState("ready");
  }

  /** requirements.txt beside the notebook (or in the folder, for a folder environment). */
  private requirementsFile(): string | undefined {
    const folder = this.identity.kind === "notebook" ? dirname(this.identity.key) : this.identity.key;
    const file = join(folder, "requirements.txt");
    return existsSync(file) ? file : undefined;
  }
}

/**
 * The identity with its environment's folder name as the registry has it: the notebook's own
 * record's; else the one a renamed notebook had (movedFrom); else a name no other record uses
 * (a new notebook where a renamed one was made has the name the renamed one's venv kept). As it
 * is when the registry cannot be read (ensure says why).
 */
function registered(identity: NotebookIdentity, store: EnvironmentStore): NotebookIdentity {
  let records: EnvironmentRecord[];
  try {
    records = store.list();
  } catch (err) {
    if (err instanceof RegistryError) return identity;
    throw err;
  }
  const own = records.find((r) => r.key === identity.key);
  if (own) return own.name === identity.environmentName ? identity : { ...identity, environmentName: own.name };
  const moved = movedFrom(identity, records, thisKernel());
  if (moved !== identity) return moved;
  const adopted = adoptedBy(identity, records);
  return adopted !== identity ? adopted : withFreeName(identity, records);
}

/** Whether a kernel other than this one (or its earlier process: the same connection file) runs on the record's environment. */
function usedByOthers(record: EnvironmentRecord, me: KernelUse): boolean {
  return liveKernels(record).some((use) => use.pid !== me.pid && !(me.connection && use.host === me.host && use.connection === me.connection));
}

/** Adds cell ids to a record's, keeping the latest CELL_IDS_KEPT. */
function withCells(record: EnvironmentRecord, ids: string[]): void {
  const known = new Set(record.cells ?? []);
  const added = ids.filter((id) => !known.has(id));
  if (added.length > 0) record.cells = [...(record.cells ?? []), ...added].slice(-CELL_IDS_KEPT);
}

/** The distribution name of a requirement string, normalised (PEP 503). */
export function requirementName(spec: string): string {
  const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec)?.[1] ?? spec;
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function readRequirements(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line && !line.startsWith("-"));
}
