// Luci's JupyterLab extension (labextension/), prebuilt by `npm run build` into
// labextension/luci_jupyterlab/labextension/ (a package.json and static/). JupyterLab loads
// prebuilt extensions at its start from `labextensions/<name>/` in each Jupyter data folder
// (`jupyter labextension list` shows them), with no rebuild: `luci install` copies it into the
// data folder it writes the kernelspecs to, and `luci uninstall` removes it.
import { cpSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";

/** The extension's package name (labextension/package.json), and so its folder under labextensions/. */
export const LABEXTENSION_NAME = "luci-jupyterlab";

/** Where `npm run build` puts the prebuilt extension. */
export function builtLabextension(): string {
  return join(packageRoot(), "labextension", "luci_jupyterlab", "labextension");
}

/**
 * Copies the prebuilt extension into `dataDir`/labextensions/ (replacing an earlier copy);
 * returns its folder there, or undefined when it has not been built.
 */
export function installLabextension(dataDir: string, built = builtLabextension()): string | undefined {
  if (!existsSync(join(built, "package.json")) || !existsSync(join(built, "static"))) return undefined;
  const target = join(dataDir, "labextensions", LABEXTENSION_NAME);
  rmSync(target, { recursive: true, force: true });
  cpSync(built, target, { recursive: true });
  return target;
}

/** Removes the extension from `dataDir`/labextensions/; returns its folder if it was there. */
export function uninstallLabextension(dataDir: string): string | undefined {
  const target = join(dataDir, "labextensions", LABEXTENSION_NAME);
  if (!existsSync(target)) return undefined;
  rmSync(target, { recursive: true, force: true });
  return target;
}
