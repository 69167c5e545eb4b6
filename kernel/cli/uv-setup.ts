// uv makes environments tens of times faster than pip. Kernels find it by themselves
// (environments/settings.ts: findUv); `luci install` finds it the same way or, failing that,
// installs it from PyPI into a small tools venv in Luci's user data folder, where every kernel
// then finds it, and records where it is in the kernelspec.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { toolsUv } from "../environments/settings.js";
import { errorMessage } from "../common/errors.js";

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
