// `luci install` and `luci uninstall`.
import { dirname, resolve } from "node:path";
import { defaultEnvironmentsDir, findUv, uvTurnedOff } from "../environments/settings.js";
import { installKernelspec, uninstallKernelspec, type Location } from "./kernelspec.js";
import { installLabextension, uninstallLabextension } from "./labextension.js";
import { describeLink, linkCommand, unlinkCommand } from "./command-link.js";
import { installUv } from "./uv-setup.js";
import { setting } from "../common/settings.js";

export function runKernelspecCommand(command: "install" | "uninstall", args: string[]): number {
  let location: Location = { kind: "user" };
  let python: string | undefined;
  let noUv = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--user") location = { kind: "user" };
    else if (arg === "--sys-prefix") location = { kind: "sys-prefix" };
    else if (arg === "--prefix" && args[i + 1]) location = { kind: "prefix", dir: args[++i]! };
    else if (arg.startsWith("--prefix=")) location = { kind: "prefix", dir: arg.slice("--prefix=".length) };
    else if (command === "install" && arg === "--no-uv") noUv = true;
    else if (command === "install" && arg === "--python" && args[i + 1]) {
      const given = args[++i]!;
      python = given.includes("/") ? resolve(given) : given;
    } else {
      process.stderr.write(`luci ${command}: unknown option ${JSON.stringify(arg)}\n`);
      return 2;
    }
  }
  if (command === "install") {
    const say = (line: string) => process.stdout.write(line + "\n");
    const uv = noUv || uvTurnedOff() ? undefined : (findUv(process.env, python) ?? installUv(python ?? "python3", say));
    const envDir = setting(process.env, "LUCI_ENV_DIR") ?? defaultEnvironmentsDir();
    const dirs = installKernelspec(location, { python, uv, envDir });
    say(
      `Installed the kernelspecs "luci" (Luci: each notebook's own venv) and "luci-container" (Luci (container): its own Docker container) in ${dirname(dirs[0]!)}`,
    );
    say(`  notebook environments: ${envDir} (made with ${uv ? `uv, ${uv}` : "venv and pip"})`);
    say(`  JupyterLab extension: ${installLabextension(dirname(dirname(dirs[0]!))) ?? "not built (npm run build), not installed"}`);
    for (const line of describeLink(linkCommand(location))) say(line);
    return 0;
  }
  const dirs = uninstallKernelspec(location);
  const lab = dirs[0] && uninstallLabextension(dirname(dirname(dirs[0])));
  if (lab) dirs.push(lab);
  const link = unlinkCommand(location);
  if (link) dirs.push(link);
  process.stdout.write(dirs.length ? `Removed ${dirs.join(", ")}\n` : `No Luci kernelspec was installed there.\n`);
  return 0;
}
