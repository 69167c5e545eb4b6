// Small JSON files (the environments' registry, settings remembered per notebook, a model's
// verification stamp, a pull's progress sidecar): written to a temporary file, flushed and
// renamed, so a reader sees the old file or the new one, never half of one, whatever kills the
// writer.
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";

/** `mode` (e.g. 0o600 for a file holding a key) is set on the new file before anything is written to it. */
export function writeJsonAtomic(path: string, value: unknown, mode?: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w", mode);
  try {
    if (mode !== undefined) fchmodSync(fd, mode); // a leftover temporary file keeps its old mode otherwise
    writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/** The parsed file, or undefined when it is missing or not JSON. */
export function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
