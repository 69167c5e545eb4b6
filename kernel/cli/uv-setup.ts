// uv makes environments tens of times faster than pip. `luci install` finds it (LUCI_UV, PATH,
// beside the chosen Python) or, failing that, installs it from PyPI into a small tools venv in
// Luci's user data folder, and records where it is in the kernelspec.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { findOnPath } from "../environments/settings.js";
import { luciDataDir } from "../common/user-data.js";
import { errorMessage } from "../common/errors.js";
import { setting } from "../common/settings.js";

export function findUv(python?: string): string | undefined {
  const set = setting(process.env, "LUCI_UV");
  if (set && existsSync(set)) return set;
  const onPath = findOnPath("uv");
  if (onPath) return onPath;
  if (python?.includes("/") && existsSync(join(dirname(python), "uv"))) return join(dirname(python), "uv");
  const tools = toolsUv();
  return existsSync(tools) ? tools : undefined;
}

/** Installs uv into Luci's tools venv. Returns its path, or undefined with the reason logged to `say`. */
export function installUv(python: string, say: (line: string) => void): string | undefined {
  const venv = dirname(dirname(toolsUv()));
  try {
    say(`uv not found: installing it from PyPI into ${venv} …`);
    execFileSync(python, ["-m", "venv", venv], { stdio: "ignore" });
    execFileSync(join(venv, "bin", "python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv"], { stdio: "ignore" });
    return existsSync(toolsUv()) ? toolsUv() : undefined;
  } catch (err) {
    say(`could not install uv (${errorMessage(err).split("\n")[0]}); environments will be made with venv and pip, which is slower`);
    return undefined;
  }
}

function toolsUv(): string {
  return join(luciDataDir(), "tools", "bin", "uv");
}
