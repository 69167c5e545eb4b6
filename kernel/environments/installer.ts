// The commands that build and change an environment: uv where it is installed (tens of times
// faster than pip, and an environment holds no pip of its own), else `python -m venv` and pip.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EnvironmentSettings } from "./settings.js";
import { CellFailure } from "../common/cell-failure.js";
import { withoutKernelSecrets } from "../common/kernel-secrets.js";

export class InstallError extends CellFailure {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super("InstallError", message);
  }
}

export interface CommandOutput {
  (text: string): void;
}

/** An install stopped by an interrupt: the environment may be half changed, so it is repaired at its next use. */
export class InstallInterrupted extends CellFailure {
  constructor() {
    super("KeyboardInterrupt", "interrupted while installing packages; the notebook's environment will be checked and repaired at its next use");
  }
}

/**
 * What builds and changes one environment. The venv installer below runs uv or pip on this
 * machine; the container installer (container-installer.ts) runs the same commands inside
 * short-lived containers, on a venv kept in a folder that the notebook's container mounts.
 */
export interface EnvironmentInstaller {
  readonly tool: "uv" | "pip";
  /** The environment's Python, as the worker runs it. */
  readonly python: string;
  /** What the environment is made from, for the registry (an interpreter, or an image's). */
  readonly origin: string;
  /** True when the environment's interpreter is there to be used. */
  exists(): boolean;
  /** Creates the environment (no packages). Returns the Python version it runs. */
  create(): Promise<string>;
  install(specs: string[], options?: InstallOptions): Promise<void>;
  uninstall(args: string[], output?: CommandOutput): Promise<void>;
  freeze(): Promise<Record<string, string>>;
  pip(args: string[], output?: CommandOutput, signal?: AbortSignal): Promise<string>;
}

/** install, uninstall and freeze, in terms of one installer subcommand runner (`pip`). */
export abstract class PipCommands {
  abstract readonly tool: "uv" | "pip";

  constructor(protected readonly settings: EnvironmentSettings) {}

  /** Runs an installer subcommand on the environment (install, uninstall, list, freeze, show). */
  abstract pip(args: string[], output?: CommandOutput, signal?: AbortSignal): Promise<string>;

  /** Installs requirement specs; `extraIndex` adds the configured second index. */
  async install(specs: string[], options: InstallOptions = {}): Promise<void> {
    await this.pip(installArgs(this.settings, specs, options), options.output, options.signal);
  }

  async uninstall(args: string[], output?: CommandOutput): Promise<void> {
    await this.pip(uninstallArgs(this.tool, args), output);
  }

  /** Installed distributions and versions. */
  async freeze(): Promise<Record<string, string>> {
    return parseFreeze(await this.pip(["freeze"]));
  }
}

export class Installer extends PipCommands implements EnvironmentInstaller {
  readonly tool: "uv" | "pip";

  constructor(
    settings: EnvironmentSettings,
    readonly dir: string,
  ) {
    super(settings);
    this.tool = settings.uv ? "uv" : "pip";
  }

  get python(): string {
    return join(this.dir, "bin", "python");
  }

  get origin(): string {
    return this.settings.basePython;
  }

  exists(): boolean {
    return existsSync(this.python);
  }

  /** Creates the venv (no packages). Returns the Python version it runs. */
  async create(): Promise<string> {
    if (this.settings.uv) await run(this.settings.uv, ["venv", "--quiet", "--python", this.settings.basePython, this.dir]);
    else await run(this.settings.basePython, ["-m", "venv", this.dir]);
    return this.pythonVersion();
  }

  async pip(args: string[], output?: CommandOutput, signal?: AbortSignal): Promise<string> {
    if (this.settings.uv) return run(this.settings.uv, ["pip", args[0]!, "--python", this.python, ...args.slice(1)], output, signal);
    return run(this.python, ["-m", "pip", "--disable-pip-version-check", "--no-input", ...args], output, signal);
  }

  pythonVersion(): string {
    return venvPythonVersion(this.dir);
  }
}

/** The version in a venv's pyvenv.cfg (uv writes version_info, venv writes version). */
export function venvPythonVersion(dir: string): string {
  const cfg = join(dir, "pyvenv.cfg");
  if (!existsSync(cfg)) return "unknown";
  const text = readFileSync(cfg, "utf8");
  return /^version_info\s*=\s*(\S+)/m.exec(text)?.[1] ?? /^version\s*=\s*(\S+)/m.exec(text)?.[1] ?? "unknown";
}

export interface InstallOptions {
  /** Add the configured second index (the cascade's last tier). */
  extraIndex?: boolean;
  flags?: string[];
  output?: CommandOutput;
  signal?: AbortSignal;
}

/** `install` with the configured index (and the extra one when asked), for pip and uv alike. */
function installArgs(settings: EnvironmentSettings, specs: string[], options: InstallOptions): string[] {
  const index = [
    ...(settings.indexUrl ? ["--index-url", settings.indexUrl] : []),
    ...(options.extraIndex && settings.extraIndexUrl ? ["--extra-index-url", settings.extraIndexUrl] : []),
  ];
  return ["install", ...index, ...(options.flags ?? []), ...specs];
}

/** `uninstall` that never asks (pip's -y is added, and dropped for uv, which does not ask). */
function uninstallArgs(tool: "uv" | "pip", args: string[]): string[] {
  const rest = args.filter((a) => a !== "-y" && a !== "--yes");
  return tool === "uv" ? ["uninstall", ...rest] : ["uninstall", "-y", ...rest];
}

/** `name==version` lines as {normalised name: version}; other lines (`name @ file://…`) are skipped. */
function parseFreeze(text: string): Record<string, string> {
  const packages: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)/.exec(line.trim());
    if (match) packages[match[1]!.toLowerCase().replace(/[-_.]+/g, "-")] = match[2]!;
  }
  return packages;
}

/** Runs a command; resolves with stdout, or throws an InstallError with what it printed. */
async function run(command: string, args: string[], output?: CommandOutput, signal?: AbortSignal): Promise<string> {
  const { execa } = await import("execa");
  if (signal?.aborted) throw new InstallInterrupted();
  const child = execa(command, args, {
    all: true,
    reject: false,
    stdin: "ignore",
    // An install runs packages' build code (an sdist's setup.py): it gets the kernel's
    // environment without the kernel's own secrets, as the worker does.
    env: { ...withoutKernelSecrets(process.env), UV_NO_PROGRESS: "1", PIP_PROGRESS_BAR: "off" },
    extendEnv: false,
    ...(signal ? { cancelSignal: signal } : {}),
  });
  if (output) child.all?.on("data", (chunk: Buffer) => output(chunk.toString("utf8")));
  const result = await child;
  if (result.isCanceled || signal?.aborted) throw new InstallInterrupted();
  if (result.exitCode !== 0 || result.failed) {
    const printed = (result.all ?? "").toString().trim();
    const reason = result.exitCode === undefined ? String(result.shortMessage ?? "could not run") : `exit code ${result.exitCode}`;
    throw new InstallError(`${command} ${args.slice(0, 3).join(" ")} failed (${reason})`, printed);
  }
  return String(result.stdout ?? "");
}
