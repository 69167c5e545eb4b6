// The kernelspec "luci" (kernels.rst "Kernel specs"): kernel.json plus logos, written where
// jupyter_client looks for kernels (jupyter_core's jupyter_path("kernels")).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, platform } from "node:os";
import { join, resolve } from "node:path";
import { DEFERRED_VARIABLE } from "../common/deferred-ca-certs.js";
import { packageRoot } from "../common/package-root.js";
import { PROTOCOL_VERSION } from "../protocol/messages.js";
import { setting } from "../common/settings.js";

const KERNEL_NAME = "luci";

/** The kernelspecs `luci install` writes: the notebook's venv, and its own container. */
export const KERNEL_VARIANTS = [
  { name: KERNEL_NAME, displayName: "Luci", env: {} as Record<string, string> },
  { name: "luci-container", displayName: "Luci (container)", env: { LUCI_EXECUTOR: "container" } as Record<string, string> },
] as const;
export type KernelVariant = (typeof KERNEL_VARIANTS)[number];

export type Location = { kind: "user" } | { kind: "sys-prefix" } | { kind: "prefix"; dir: string };

export interface KernelJson {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal" | "message";
  env: Record<string, string>;
  metadata: Record<string, unknown>;
  kernel_protocol_version: string;
}

/** What `luci install` found, written into kernel.json as defaults (absolute paths, so it works from any working directory). */
export interface KernelspecOptions {
  /** LUCI_PYTHON: the interpreter notebook environments are made from. */
  python?: string;
  /** LUCI_UV: uv, if found. */
  uv?: string;
  /** LUCI_ENV_DIR: where environments live. */
  envDir?: string;
}

export function kernelJson(options: KernelspecOptions = {}, variant: KernelVariant = KERNEL_VARIANTS[0]): KernelJson {
  return {
    argv: [process.execPath, join(packageRoot(), "dist", "kernel", "cli", "luci.js"), "kernel", "-f", "{connection_file}"],
    display_name: variant.displayName,
    language: "python",
    // The kernel's event loop never runs user code, so interrupt_request is always answered.
    interrupt_mode: "message",
    env: {
      // See common/deferred-ca-certs.ts: the CA bundle is read when needed, not at every start.
      NODE_EXTRA_CA_CERTS: "",
      [DEFERRED_VARIABLE]: "${NODE_EXTRA_CA_CERTS}",
      ...kernelspecDefaults(options),
      ...variant.env,
    },
    metadata: { debugger: false },
    kernel_protocol_version: PROTOCOL_VERSION,
  };
}

/**
 * The settings found at install time, as defaults (common/settings.ts, LUCI_KERNELSPEC_DEFAULTS):
 * jupyter_client lets a kernelspec's env override the environment of whoever starts the kernel,
 * so a LUCI_ENV_DIR written here as itself would silently beat the one a user sets where
 * JupyterLab or nbconvert runs. A variant's own choice (the container kernel's executor) is
 * written as itself: picking that kernel is picking it.
 */
function kernelspecDefaults(options: KernelspecOptions): Record<string, string> {
  const defaults = {
    ...(options.python ? { LUCI_PYTHON: options.python } : {}),
    ...(options.uv ? { LUCI_UV: options.uv } : {}),
    ...(options.envDir ? { LUCI_ENV_DIR: options.envDir } : {}),
  };
  return Object.keys(defaults).length ? { LUCI_KERNELSPEC_DEFAULTS: JSON.stringify(defaults) } : {};
}

/** The folder that holds kernels/ for a location (jupyter_core's paths). */
function kernelsDir(location: Location): string {
  switch (location.kind) {
    case "prefix":
      return join(resolve(location.dir), "share", "jupyter", "kernels");
    case "sys-prefix":
      return join(sysPrefix(), "share", "jupyter", "kernels");
    case "user":
      return join(userDataDir(), "kernels");
  }
}

/** Writes every variant's kernelspec; returns their folders. */
export function installKernelspec(location: Location, options: KernelspecOptions = {}): string[] {
  const assets = join(packageRoot(), "kernel", "cli", "assets");
  return KERNEL_VARIANTS.map((variant) => {
    const dir = join(kernelsDir(location), variant.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelJson(options, variant), null, 2) + "\n");
    for (const file of readdirSync(assets)) copyFileSync(join(assets, file), join(dir, file));
    return dir;
  });
}

/** Removes every variant's kernelspec there; returns the folders removed. */
export function uninstallKernelspec(location: Location): string[] {
  return KERNEL_VARIANTS.map((variant) => join(kernelsDir(location), variant.name))
    .filter((dir) => existsSync(dir))
    .map((dir) => {
      rmSync(dir, { recursive: true, force: true });
      return dir;
    });
}

function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (platform() === "darwin") return join(homedir(), "Library", "Jupyter");
  if (platform() === "win32") return join(process.env.APPDATA ?? homedir(), "jupyter");
  return join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

/** The prefix of the Python environment Jupyter runs in: the active venv or conda env, else python3's. */
export function sysPrefix(): string {
  const active = process.env.VIRTUAL_ENV || process.env.CONDA_PREFIX;
  if (active) return active;
  const python = setting(process.env, "LUCI_JUPYTER_PYTHON");
  return execFileSync(python, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
}
