// The Python version for kernel_info before the first worker is ready. kernel_info is
// answered at once, without waiting for Python, so the version a worker reported last time
// for the same interpreter is remembered in a small file in the user's cache folder.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { isObject, readJson } from "../common/json-file.js";

function cacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "luci", "python-versions.json");
}

function readAll(): Record<string, string> {
  const parsed = readJson(cacheFile()); // undefined for a missing or unreadable file
  if (!isObject(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

export function cachedPythonVersion(python: string): string | undefined {
  const version = readAll()[python];
  return typeof version === "string" ? version : undefined;
}

/** Best effort: a cache that cannot be written only costs a less precise kernel_info. */
export function rememberPythonVersion(python: string, version: string): void {
  try {
    const all = readAll();
    if (all[python] === version) return;
    all[python] = version;
    const file = cacheFile();
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(all, null, 1));
    renameSync(temporary, file);
  } catch {
    /* ignored on purpose */
  }
}
