// What the `luci env` subcommands share: the environments folder and its registry, finding one
// environment from a notebook path or a folder name, its health, its size on disk, and the
// words and numbers they print.
import { existsSync, lstatSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve, sep } from "node:path";
import { withLock, type LockOptions } from "../../common/file-lock.js";
import { InstallError } from "../../environments/installer.js";
import { NotebookEnvironment } from "../../environments/notebook-environment.js";
import type { NotebookIdentity } from "../../environments/notebook-identity.js";
import { Registry, type EnvironmentRecord } from "../../environments/registry.js";
import { environmentSettings, type EnvironmentSettings } from "../../environments/settings.js";

/** Wrong arguments: exit code 2. */
export class UsageError extends Error {}
/** The command could not do its work: exit code 1. */
export class CommandError extends Error {}

export interface Context {
  settings: EnvironmentSettings;
  registry: Registry;
  cwd: string;
  // Functions, not methods: they are passed on alone (ctx.out), with no `this`.
  out: (text: string) => void;
  err: (text: string) => void;
}

export function makeContext(): Context {
  const settings = environmentSettings();
  return {
    settings,
    registry: new Registry(settings.dir),
    cwd: process.cwd(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}

/** An environment the user named: its folder, and its registry record unless it is a leftover. */
export interface Target {
  name: string;
  dir: string;
  record?: EnvironmentRecord;
}

/** NOTEBOOK (a path, relative to the current folder) or NAME (luci_<notebook>_<hash>). */
export function findTarget(ctx: Context, arg: string, options: { leftovers?: boolean } = {}): Target {
  const records = ctx.registry.list();
  const byName = records.find((r) => r.name === arg);
  if (byName) return targetOf(ctx, byName);
  const path = resolve(ctx.cwd, arg);
  const wanted = new Set([path, realpath(path)]);
  const byKey = records.find((r) => wanted.has(r.key) || wanted.has(realpath(r.key)));
  if (byKey) return targetOf(ctx, byKey);
  if (options.leftovers && arg.startsWith("luci_") && arg === basename(arg) && isDirectory(join(ctx.settings.dir, arg))) {
    return { name: arg, dir: join(ctx.settings.dir, arg) };
  }
  throw new CommandError(`no environment for ${arg} in ${ctx.settings.dir} (luci env list shows them)`);
}

/** Like findTarget, for commands that need a registry record. */
export function findRecord(ctx: Context, arg: string): { record: EnvironmentRecord; dir: string } {
  const target = findTarget(ctx, arg);
  return { record: target.record!, dir: target.dir };
}

function targetOf(ctx: Context, record: EnvironmentRecord): Target {
  return { name: record.name, dir: join(ctx.settings.dir, record.name), record };
}

/** A key of kind notebook is a notebook's path; any other key is a folder's. */
export function isNotebookKey(key: string): boolean {
  return key.toLowerCase().endsWith(".ipynb");
}

function identityOf(record: EnvironmentRecord): NotebookIdentity {
  return { key: record.key, kind: isNotebookKey(record.key) ? "notebook" : "folder", environmentName: record.name };
}

export function environmentOf(ctx: Context, record: EnvironmentRecord): NotebookEnvironment {
  return new NotebookEnvironment(ctx.settings, identityOf(record));
}

export interface Health {
  healthy: boolean;
  problem?: string;
}

/** Healthy as the kernel judges it (NotebookEnvironment.isHealthy), and if not, why. */
export function healthOf(ctx: Context, record: EnvironmentRecord): Health {
  const env = environmentOf(ctx, record);
  if (env.isHealthy()) return { healthy: true };
  const then = "; the notebook's next kernel rebuilds it from the registry's package list";
  if (!existsSync(env.dir)) return { healthy: false, problem: `its folder ${env.dir} is missing${then}` };
  if (!existsSync(env.python)) return { healthy: false, problem: `its Python interpreter ${env.python} is missing or broken${then}` };
  if (record.state === "creating") return { healthy: false, problem: `its creation has not finished (cut off, or running now)${then}` };
  if (record.state === "installing") return { healthy: false, problem: `an install has not finished (cut off, or running now)${then}` };
  return { healthy: false, problem: `its last change did not finish (it has no ready marker)${then}` };
}

/** Why a record is garbage (its notebook or folder is gone), or undefined. */
export function staleReason(record: EnvironmentRecord): string | undefined {
  if (existsSync(record.key)) return undefined;
  return isNotebookKey(record.key) ? `its notebook ${record.key} no longer exists` : `its folder ${record.key} no longer exists`;
}

/** The pinned packages: from a freeze of the environment when it is healthy, else from the registry. */
export async function pinnedPackages(ctx: Context, record: EnvironmentRecord): Promise<Record<string, string>> {
  const env = environmentOf(ctx, record);
  if (env.isHealthy()) {
    try {
      return sortedObject(await env.installer.freeze());
    } catch (err) {
      if (!(err instanceof InstallError)) throw err;
    }
  }
  return sortedObject(record.packages);
}

export function sortedObject(packages: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Removes an environment's folder and every registry record that names it: under its own lock
 * first (a kernel's install in progress finishes), then the registry's. The folder is renamed
 * away under the locks and deleted after them, so the registry is never held for long.
 * `stillWanted` is checked again under the locks; returning false leaves everything as it was.
 * Returns the bytes freed, or undefined when it did nothing.
 */
export async function removeEnvironment(
  ctx: Context,
  name: string,
  options: { stillWanted?: (records: EnvironmentRecord[]) => boolean; lock?: LockOptions } = {},
): Promise<number | undefined> {
  const dir = join(ctx.settings.dir, name);
  const trash = `${dir}.removing-${process.pid}-${Date.now()}`;
  let moved = false;
  const removed = await withLock(
    `${dir}.lock`,
    () =>
      ctx.registry.update((all) => {
        if (options.stillWanted && !options.stillWanted(Object.values(all))) return false;
        for (const [key, record] of Object.entries(all)) if (record.name === name) delete all[key];
        if (existsSync(dir)) {
          renameSync(dir, trash);
          moved = true;
        }
        return true;
      }),
    options.lock,
  );
  if (!removed) return undefined;
  if (!moved) return 0;
  const size = diskUsage(trash);
  rmSync(trash, { recursive: true, force: true, maxRetries: 3 });
  return size;
}

/** Bytes on disk under `path`, as du counts them (hard-linked files once). */
export function diskUsage(path: string): number {
  const seen = new Set<string>();
  let total = 0;
  const stack = [path];
  while (stack.length > 0) {
    const current = stack.pop()!;
    let stats;
    try {
      stats = lstatSync(current);
    } catch {
      continue; // removed while we walk
    }
    if (stats.nlink > 1 && !stats.isDirectory()) {
      const id = `${stats.dev}:${stats.ino}`;
      if (seen.has(id)) continue;
      seen.add(id);
    }
    total += stats.blocks > 0 || stats.size === 0 ? stats.blocks * 512 : stats.size;
    if (stats.isDirectory()) {
      try {
        for (const entry of readdirSync(current)) stack.push(join(current, entry));
      } catch {
        /* unreadable or gone */
      }
    }
  }
  return total;
}

/** Folders under the environments folder named luci_* (environments, and leftovers). */
export function environmentFolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name.startsWith("luci_"))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "just now", "5 minutes ago", "3 days ago", "2 months ago". */
export function relativeTime(iso: string, now = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "unknown";
  const seconds = (now - then) / 1000;
  if (seconds < 45) return "just now";
  const steps: [number, string][] = [
    [60, "minute"],
    [60 * 60, "hour"],
    [24 * 60 * 60, "day"],
    [30 * 24 * 60 * 60, "month"],
    [365 * 24 * 60 * 60, "year"],
  ];
  const limits = [45 * 60, 22 * 60 * 60, 26 * 24 * 60 * 60, 320 * 24 * 60 * 60, Infinity];
  const at = limits.findIndex((limit) => seconds < limit);
  const [size, unit] = steps[at]!;
  const count = Math.max(1, Math.round(seconds / size));
  return `${count} ${unit}${count === 1 ? "" : "s"} ago`;
}

/** A path with the home folder as ~. */
export function shortPath(path: string): string {
  const home = homedir();
  return home && home !== sep && path.startsWith(home + sep) ? `~${path.slice(home.length)}` : path;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function realpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
