// Where environments live and which tools build them, from the environment the kernel was
// started with (the kernelspec sets these; see `luci install`).
//   LUCI_ENV_DIR         the environments folder (default: the repository's luci_environments/
//                        when Luci runs from a checkout, else a user data folder)
//   LUCI_PYTHON          the interpreter environments are made from (default: python3)
//   LUCI_UV              uv's path (default: uv on PATH); without uv, venv and pip are used
//   LUCI_INDEX_URL       the package index (default: the installer's own, i.e. PyPI)
//   LUCI_EXTRA_INDEX_URL a second index, tried only after the main one (the cascade's 4th tier)
//   LUCI_EXECUTOR        "venv" (default: the notebook's own environment) or "local" (LUCI_PYTHON itself)
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { luciDataDir } from "../common/user-data.js";

export interface EnvironmentSettings {
  dir: string;
  basePython: string;
  uv?: string;
  indexUrl?: string;
  extraIndexUrl?: string;
}

export function environmentSettings(env: NodeJS.ProcessEnv = process.env): EnvironmentSettings {
  return {
    dir: env.LUCI_ENV_DIR || defaultEnvironmentsDir(),
    basePython: env.LUCI_PYTHON || "python3",
    uv: env.LUCI_UV || findOnPath("uv", env),
    indexUrl: env.LUCI_INDEX_URL || undefined,
    extraIndexUrl: env.LUCI_EXTRA_INDEX_URL || undefined,
  };
}

/** The repository's luci_environments/ for a checkout; a user data folder for an installed copy. */
export function defaultEnvironmentsDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = packageRoot();
  if (existsSync(join(root, ".git")) && existsSync(join(root, "luci_environments"))) return join(root, "luci_environments");
  return join(luciDataDir(env), "environments");
}

export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
