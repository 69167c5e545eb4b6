// The Python version for kernel_info before the first worker is ready. kernel_info is
// answered at once, without waiting for Python, so the version a worker reported last time
// for the same interpreter is remembered in a small file in the user's cache folder.
//
// The file is read at every kernel start, so it is kept small: the newest interpreters first,
// at most LIMIT of them, and one whose path no longer exists is dropped when the file is
// written (every notebook environment is an interpreter of its own, and removed environments
// would otherwise stay in the file for good).
import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { isObject, readJson, writeJsonAtomic } from "../common/json-file.js";

export const PYTHON_VERSION_CACHE_LIMIT = 16;

export function pythonVersionCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "luci", "python-versions.json");
}

function readAll(file: string): Record<string, string> {
  const parsed = readJson(file); // undefined for a missing or unreadable file
  if (!isObject(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

export function cachedPythonVersion(python: string, file = pythonVersionCacheFile()): string | undefined {
  return readAll(file)[python];
}

/** Best effort: a cache that cannot be written only costs a less precise kernel_info. */
export function rememberPythonVersion(python: string, version: string, file = pythonVersionCacheFile()): void {
  try {
    const all = readAll(file);
    if (all[python] === version && Object.keys(all).length <= PYTHON_VERSION_CACHE_LIMIT) return;
    const others = Object.entries(all).filter(([key]) => key !== python && (!isAbsolute(key) || existsSync(key)));
    const kept = Object.fromEntries([[python, version], ...others.slice(0, PYTHON_VERSION_CACHE_LIMIT - 1)]);
    mkdirSync(dirname(file), { recursive: true });
    writeJsonAtomic(file, kept);
  } catch {
    /* ignored on purpose */
  }
}
