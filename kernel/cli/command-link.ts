// `luci` on PATH. `luci install` links the command into a bin folder as pip puts a package's
// scripts there: <prefix>/bin for --prefix and --sys-prefix (on PATH while that environment is
// active), and for --user the user's bin folder that PATH already holds (~/.local/bin, ~/bin;
// for root, /usr/local/bin), else ~/.local/bin with the line that puts it on PATH.
// `luci uninstall` removes the link only if it is one of ours.
import { existsSync, lstatSync, mkdirSync, readlinkSync, realpathSync, symlinkSync, unlinkSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { sysPrefix, type Location } from "./kernelspec.js";

/** The command the link points at: the built CLI of this checkout. */
export function luciCommand(): string {
  return join(packageRoot(), "dist", "kernel", "cli", "luci.js");
}

export interface BinDir {
  dir: string;
  /** False when the folder is not on PATH: the user is told how to add it. */
  onPath: boolean;
}

/** Where `luci` goes for a location. */
export function binDirFor(location: Location, env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? -1): BinDir {
  const path = (env.PATH ?? "")
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => resolve(dir));
  const onPath = (dir: string) => path.includes(resolve(dir));
  if (location.kind !== "user") {
    const dir = join(location.kind === "prefix" ? resolve(location.dir) : sysPrefix(), "bin");
    return { dir, onPath: onPath(dir) };
  }
  const home = env.HOME || homedir();
  const candidates = [join(home, ".local", "bin"), join(home, "bin"), ...(uid === 0 ? ["/usr/local/bin"] : [])];
  const found = candidates.find(onPath);
  return found ? { dir: found, onPath: true } : { dir: candidates[0]!, onPath: false };
}

/** A link of ours: a symbolic link to some checkout's dist/kernel/cli/luci.js. */
function isOurLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && readlinkSync(path).endsWith(join("dist", "kernel", "cli", "luci.js"));
  } catch {
    return false;
  }
}

export type LinkResult = { linked: string; onPath: boolean; dir: string } | { refused: string };

/** Links `luci` into the location's bin folder (replacing an older link of ours, never anything else). */
export function linkCommand(location: Location, env: NodeJS.ProcessEnv = process.env, target = luciCommand()): LinkResult {
  const { dir, onPath } = binDirFor(location, env);
  const link = join(dir, "luci");
  if (existsSync(link) || isOurLink(link)) {
    if (!isOurLink(link)) return { refused: `${link} exists and is not Luci's: left as it is` };
    if (existsSync(link) && realpathSync(link) === realpathSync(target)) return { linked: link, onPath, dir };
    unlinkSync(link);
  }
  mkdirSync(dir, { recursive: true });
  symlinkSync(target, link);
  return { linked: link, onPath, dir };
}

/** Removes the location's `luci` link if it is ours; returns its path when removed. */
export function unlinkCommand(location: Location, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const link = join(binDirFor(location, env).dir, "luci");
  if (!isOurLink(link)) return undefined;
  unlinkSync(link);
  return link;
}

/** The lines `luci install` prints about the command. */
export function describeLink(result: LinkResult): string[] {
  if ("refused" in result) return [`  the luci command: not linked (${result.refused})`];
  if (result.onPath) return [`  the luci command: ${result.linked}`];
  // A venv's bin folder is on PATH while the venv is active: nothing to add to a profile.
  if (existsSync(join(dirname(result.dir), "pyvenv.cfg"))) return [`  the luci command: ${result.linked} (on PATH while ${dirname(result.dir)} is active)`];
  return [
    `  the luci command: ${result.linked}; ${result.dir} is not on your PATH. Add it (for example in ~/.profile):`,
    `      export PATH="${result.dir}:$PATH"`,
  ];
}
