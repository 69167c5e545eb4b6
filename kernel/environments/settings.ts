// Where environments live and which tools build them, from the environment the kernel was
// started with (the kernelspec gives defaults; see `luci install`): LUCI_ENV_DIR, LUCI_PYTHON,
// LUCI_UV, LUCI_INDEX_URL and LUCI_EXTRA_INDEX_URL, declared in common/settings.ts. The
// environments folder defaults to the repository's luci_environments/ when Luci runs from a
// checkout, else a user data folder; uv is found by findUv (without uv, venv and pip are used).
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { luciDataDir } from "../common/user-data.js";
import { setting } from "../common/settings.js";
import type { RequirementsConsent } from "./requirements-consent.js";

export interface EnvironmentSettings {
  dir: string;
  basePython: string;
  uv?: string;
  indexUrl?: string;
  extraIndexUrl?: string;
  /** Whether a notebook's folder requirements.txt may be installed (the kernel's answer, from the notebook's trust); none: never. */
  requirements?: RequirementsConsent;
}

export function environmentSettings(env: NodeJS.ProcessEnv = process.env): EnvironmentSettings {
  return {
    dir: setting(env, "LUCI_ENV_DIR") ?? defaultEnvironmentsDir(env),
    basePython: setting(env, "LUCI_PYTHON"),
    uv: findUv(env),
    indexUrl: setting(env, "LUCI_INDEX_URL"),
    extraIndexUrl: setting(env, "LUCI_EXTRA_INDEX_URL"),
  };
}

/** The repository's luci_environments/ for a checkout; a user data folder for an installed copy. */
export function defaultEnvironmentsDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = packageRoot();
  if (existsSync(join(root, ".git")) && existsSync(join(root, "luci_environments"))) return join(root, "luci_environments");
  return join(luciDataDir(env), "environments");
}

function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * uv, wherever it can be had, for every way of starting a kernel (`luci install`'s kernelspec,
 * `luci serve`'s, one written by hand): LUCI_UV (off: none), else uv on PATH, beside the Python
 * environments are made from (a venv's bin/), or in Luci's tools venv, where `luci install` puts
 * it when it finds none. Undefined: environments are made with venv and pip.
 */
export function findUv(env: NodeJS.ProcessEnv = process.env, python: string = setting(env, "LUCI_PYTHON")): string | undefined {
  const set = setting(env, "LUCI_UV");
  if (set) return set.toLowerCase() === "off" ? undefined : set;
  const beside = python.includes("/") ? join(dirname(python), "uv") : undefined;
  return findOnPath("uv", env) ?? [beside, toolsUv(env)].find((candidate) => candidate !== undefined && existsSync(candidate));
}

/** Whether LUCI_UV turns uv off. */
export function uvTurnedOff(env: NodeJS.ProcessEnv = process.env): boolean {
  return setting(env, "LUCI_UV")?.toLowerCase() === "off";
}

/** Where `luci install` puts uv when it finds none: a venv of Luci's own in the user data folder. */
export function toolsUv(env: NodeJS.ProcessEnv = process.env): string {
  return join(luciDataDir(env), "tools", "bin", "uv");
}
