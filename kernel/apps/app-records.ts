// Where a kernel writes down the web apps it started: one file per kernel in Luci's data folder
// (<data>/apps/<kernel>.json, mode 0600), named by the id `luci serve` gave the kernel (its proxy
// reads the file to find an app's port) or else by the kernel's pid. The file outlives a kernel
// that was killed: the next kernel to start finds files whose kernel is gone and stops their
// apps. A pid is only ever signalled when it is still the very process that was started (its
// start time in /proc and its command line, which names our launcher and the app's program, both
// match), so a process that reused the pid is never touched.
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isObject, readJson, writeJsonAtomic } from "../common/json-file.js";
import { log } from "../common/log.js";
import { luciDataDir } from "../common/user-data.js";

/** One app as its kernel wrote it down. */
export interface AppRecord {
  id: number;
  pid: number;
  /** The process's start time (/proc/PID/stat, clock ticks since boot): the pid with it names one process. */
  startTicks: number;
  port: number;
  /** The program file the launcher runs: also on the process's command line. */
  program: string;
  /** Which cell started it: the first words of its task. */
  cell: string;
  started: string;
}

export interface KernelApps {
  kernel: { pid: number; startTicks: number | undefined };
  apps: AppRecord[];
}

export function appsFolder(env: NodeJS.ProcessEnv): string {
  return join(luciDataDir(env), "apps");
}

/** A kernel id as `luci serve` makes them: nothing that could leave the folder. */
export function validKernelKey(key: string): boolean {
  return /^[A-Za-z0-9-]{1,64}$/.test(key);
}

export function appsFile(env: NodeJS.ProcessEnv, kernelKey: string): string {
  if (!validKernelKey(kernelKey)) throw new Error(`not a kernel key: ${JSON.stringify(kernelKey)}`);
  return join(appsFolder(env), `${kernelKey}.json`);
}

export function writeKernelApps(env: NodeJS.ProcessEnv, kernelKey: string, apps: KernelApps): void {
  mkdirSync(appsFolder(env), { recursive: true, mode: 0o700 });
  const file = appsFile(env, kernelKey);
  if (apps.apps.length === 0) rmSync(file, { force: true });
  else writeJsonAtomic(file, apps, 0o600);
}

export function readKernelApps(file: string): KernelApps | undefined {
  const value = readJson(file);
  if (!isObject(value) || !isObject(value.kernel) || !Array.isArray(value.apps)) return undefined;
  const apps = value.apps.filter(isAppRecord);
  const { pid, startTicks } = value.kernel;
  if (typeof pid !== "number") return undefined;
  return { kernel: { pid, startTicks: typeof startTicks === "number" ? startTicks : undefined }, apps };
}

function isAppRecord(value: unknown): value is AppRecord {
  return (
    isObject(value) &&
    typeof value.id === "number" &&
    typeof value.pid === "number" &&
    typeof value.startTicks === "number" &&
    typeof value.port === "number" &&
    typeof value.program === "string" &&
    typeof value.cell === "string"
  );
}

/** The start time of a process (field 22 of /proc/PID/stat), or undefined when it is gone or /proc cannot tell. */
export function startTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (command name) state ppid ...": the name may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  if (state === "Z" || state === "X") return undefined;
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

/** True only when `pid` is still the app that was recorded: the same start time and our launcher running its program. */
export function isRecordedApp(app: AppRecord): boolean {
  if (startTicks(app.pid) !== app.startTicks) return false;
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${app.pid}/cmdline`, "utf8").split("\0");
  } catch {
    return false;
  }
  return argv.some((arg) => arg.endsWith("app_launcher.py")) && argv.includes(app.program);
}

/** SIGKILL to an app's process group (it leads its own), only when the pid is still that app. */
export function killRecordedApp(app: AppRecord): boolean {
  if (!isRecordedApp(app)) return false;
  try {
    process.kill(-app.pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

/** The kernel that wrote a file still runs (the same process: its start time matches). */
function kernelRuns(kernel: KernelApps["kernel"]): boolean {
  const ticks = startTicks(kernel.pid);
  return ticks !== undefined && (kernel.startTicks === undefined || ticks === kernel.startTicks);
}

/**
 * At a kernel's start: the apps of kernels that are gone (killed, so they could not stop them)
 * are stopped and their files removed. Gives how many apps were stopped.
 */
export function stopOrphanedApps(env: NodeJS.ProcessEnv, ownKey?: string): number {
  let names: string[];
  try {
    names = readdirSync(appsFolder(env)).filter((name) => name.endsWith(".json"));
  } catch {
    return 0;
  }
  let stopped = 0;
  for (const name of names) {
    const file = join(appsFolder(env), name);
    const apps = readKernelApps(file);
    // The file of a kernel id this kernel now has (a restart under `luci serve`) is the old kernel's.
    const own = ownKey !== undefined && name === `${ownKey}.json`;
    if (apps && !own && kernelRuns(apps.kernel)) continue;
    for (const app of apps?.apps ?? []) {
      if (killRecordedApp(app)) {
        stopped++;
        log("info", `stopped web app ${app.id} (pid ${app.pid}, port ${app.port}) of a kernel that is gone`);
      }
      rmSync(app.program, { force: true });
    }
    rmSync(file, { force: true });
  }
  return stopped;
}
