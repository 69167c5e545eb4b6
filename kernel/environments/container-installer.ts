// The container executor's environment: a venv in a folder of this machine that is built and
// changed only inside short-lived containers of the notebook's base image, with the network on,
// and mounted read-only into the notebook's own container (network off) where the code runs.
// It keeps the venv executor's registry, lock, repair and install cascade, and it keeps the
// notebook's variables across installs: the running container sees a new package at once.
import { chownSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join } from "node:path";
import type { BaseImage } from "../runtime/container/base-image.js";
import { containerUser, IN_CONTAINER } from "../runtime/container/container-executor.js";
import type { ContainerSettings } from "../runtime/container/container-settings.js";
import { runOneOff, type OneOff } from "../runtime/container/one-off.js";
import { InstallError, InstallInterrupted, PipCommands, venvPythonVersion, type CommandOutput, type EnvironmentInstaller } from "./installer.js";
import type { EnvironmentSettings } from "./settings.js";

const IMAGE_MARKER = ".luci-image";
const UV = "/opt/luci/bin/uv";
const CA = "/opt/luci/ca.pem";
const CACHE = "/opt/luci/cache";

export class ContainerInstaller extends PipCommands implements EnvironmentInstaller {
  readonly tool: "uv" | "pip";
  readonly python = `${IN_CONTAINER.env}/bin/python`;
  private readonly uv?: string;

  /** `base` gives the notebook's base image once the container source has found it. */
  constructor(
    settings: EnvironmentSettings,
    private readonly container: ContainerSettings,
    readonly dir: string,
    private readonly base: () => BaseImage | undefined,
  ) {
    super(settings);
    this.uv = runnableInContainer(settings.uv);
    this.tool = this.uv ? "uv" : "pip";
  }

  get origin(): string {
    return `python3 of the image ${this.base()?.name ?? this.container.image}`;
  }

  /** The venv is there and was made from the current base image (another image means a rebuild). */
  exists(): boolean {
    const base = this.base();
    if (!base) return false;
    try {
      lstatSync(join(this.dir, "bin", "python")); // a link to the image's Python: not there on this machine
      return readFileSync(join(this.dir, IMAGE_MARKER), "utf8").trim() === base.id;
    } catch {
      return false;
    }
  }

  async create(): Promise<string> {
    const base = this.requireBase();
    mkdirSync(this.dir, { recursive: true });
    this.own(this.dir);
    const cmd = this.uv ? [UV, "venv", "--quiet", "--python", "python3", IN_CONTAINER.env] : ["python3", "-m", "venv", IN_CONTAINER.env];
    const result = await runOneOff({ ...this.job("none"), cmd }, "creating the notebook's environment in a container");
    if (result.code !== 0) throw new InstallError(`creating the environment in ${base.name} failed (exit code ${result.code})`, result.all.trim());
    writeFileSync(join(this.dir, IMAGE_MARKER), base.id + "\n");
    return venvPythonVersion(this.dir);
  }

  /** An installer subcommand in a container of the base image with the environment mounted writable. */
  async pip(args: string[], output?: CommandOutput, signal?: AbortSignal): Promise<string> {
    const files: string[] = [];
    // Files named by absolute path (a requirements.txt beside the notebook) are mounted read-only.
    const mapped = args.map((arg) => {
      if (!isAbsolute(arg) || !existsSync(arg)) return arg;
      const inside = `/opt/luci/input/${files.length}-${basename(arg)}`;
      files.push(`${arg}:${inside}:ro`);
      return inside;
    });
    const cmd = this.uv
      ? [UV, "pip", mapped[0]!, "--python", this.python, ...mapped.slice(1)]
      : [this.python, "-m", "pip", "--disable-pip-version-check", "--no-input", ...mapped];
    const job = this.job(this.container.installNetwork);
    const result = await runOneOff({ ...job, binds: [...job.binds, ...files], cmd, output, signal }, "installing packages in a container");
    if (result.aborted || signal?.aborted) throw new InstallInterrupted();
    if (result.code !== 0)
      throw new InstallError(`${this.tool} ${args.slice(0, 2).join(" ")} in the container failed (exit code ${result.code})`, result.all.trim());
    return result.stdout;
  }

  /** A one-off container of the base image with the environment, uv's cache and the CA bundle mounted. */
  private job(network: string): Omit<OneOff, "cmd"> {
    const base = this.requireBase();
    const cache = join(this.settings.dir, ".cache");
    mkdirSync(cache, { recursive: true });
    this.own(cache);
    const ca = caBundle();
    const cwd = process.cwd();
    return {
      image: base.name,
      network,
      user: containerUser(this.container.user).spec,
      workdir: cwd,
      binds: [
        `${this.dir}:${IN_CONTAINER.env}`,
        `${cache}:${CACHE}`,
        `${cwd}:${cwd}:ro`,
        ...(this.uv ? [`${this.uv}:${UV}:ro`] : []),
        ...(ca ? [`${ca}:${CA}:ro`] : []),
      ],
      env: [
        "HOME=/tmp",
        `UV_CACHE_DIR=${CACHE}/uv`,
        `PIP_CACHE_DIR=${CACHE}/pip`,
        "UV_NO_PROGRESS=1",
        "UV_PYTHON_DOWNLOADS=never",
        "PIP_PROGRESS_BAR=off",
        ...(ca ? [`SSL_CERT_FILE=${CA}`, `PIP_CERT=${CA}`] : []),
      ],
    };
  }

  private requireBase(): BaseImage {
    const base = this.base();
    if (!base) throw new Error("the container environment was used before its base image was known");
    return base;
  }

  /** Folders the container writes belong to the user it runs as (when the kernel runs as root). */
  private own(path: string): void {
    if (process.getuid?.() !== 0) return;
    const { uid, gid } = containerUser(this.container.user).ids;
    chownSync(path, uid, gid);
  }
}

/** uv's binary, when it is one that runs in a (glibc) container: a real ELF file, not a shim script. */
function runnableInContainer(uv: string | undefined): string | undefined {
  if (!uv) return undefined;
  try {
    const real = realpathSync(uv);
    const fd = openSync(real, "r");
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
    return head.toString("latin1") === "\x7fELF" ? real : undefined;
  } catch {
    return undefined;
  }
}

/** This machine's CA bundle, so installs behind an inspecting proxy trust what the host trusts. */
function caBundle(): string | undefined {
  for (const file of [process.env.SSL_CERT_FILE, "/etc/ssl/certs/ca-certificates.crt"]) {
    if (file && existsSync(file)) return realpathSync(file);
  }
  return undefined;
}
