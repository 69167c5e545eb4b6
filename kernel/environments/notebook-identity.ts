// Which notebook a kernel serves, so that each notebook gets its own environment.
//
// The rule (also in the README):
// 1. JPY_SESSION_NAME (set by jupyter_server and by `luci serve`) or the connection file's
//    `jupyter_session` names the notebook; a relative name is the notebook in the kernel's
//    working directory (where the server starts the kernel).
// 2. Otherwise (nbconvert, papermill, a plain jupyter_client) the kernel's working directory is
//    known, not the notebook: if that folder holds one notebook, it is that one; if it holds
//    several, the first cell that runs decides: the notebook whose code cells contain that
//    cell's source exactly. A notebook run under nbconvert from its own folder so finds the
//    environment it had in JupyterLab.
// 3. Failing that, the folder itself is the key (one environment for the folder's notebooks).
//
// A notebook renamed or moved while its kernel runs keeps its environment: the kernel learns its
// new path when it restarts (jupyter_server's session PATCH updates JPY_SESSION_NAME for the next
// start, and luci serve does the same), finds the environment its earlier process used by its
// connection file (movedFrom), and the registry's record is moved to the new path. The venv's
// folder keeps its name: a venv is not relocatable (its scripts name their Python by absolute
// path), and the name is only a label; the registry says which notebook it belongs to.
// A notebook renamed or moved while no kernel runs is found by its cells (adoptedBy): the record
// keeps the ids of the cells its kernels ran, and a notebook with no record adopts the record of
// a notebook that is gone, unused, and whose cell ids are those of the notebook's own file.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import { isObject } from "../common/json-file.js";
import { liveKernels, type EnvironmentRecord, type KernelUse } from "./registry.js";

export interface NotebookIdentity {
  /** The registry key: the notebook's absolute path, or the folder's. */
  key: string;
  kind: "notebook" | "folder";
  /** Folder name of its environment: luci_<notebook>_<hash> (of the notebook's first path, when it was renamed since). */
  environmentName: string;
  /** The path the notebook's environment is registered under, when the notebook was renamed or moved since (movedFrom). */
  formerKey?: string;
}

export type Identification =
  | { decided: true; identity: NotebookIdentity }
  /** Several notebooks in the folder: decide with the first cell (matchFirstCell). */
  | { decided: false; folder: string; candidates: string[] };

export function identifyNotebook(sessionName: string | undefined, cwd: string): Identification {
  const folder = resolve(cwd);
  if (sessionName) {
    const direct = isAbsolute(sessionName) ? sessionName : join(folder, basename(sessionName));
    const nested = join(folder, sessionName);
    const path = !isAbsolute(sessionName) && !existsSync(direct) && existsSync(nested) ? nested : direct;
    return { decided: true, identity: notebookIdentity(resolve(path)) };
  }
  const candidates = notebooksIn(folder);
  if (candidates.length === 1) return { decided: true, identity: notebookIdentity(candidates[0]!) };
  if (candidates.length === 0) return { decided: true, identity: folderIdentity(folder) };
  return { decided: false, folder, candidates };
}

/** The notebook among `candidates` that has a code cell with exactly this source, if exactly one does. */
export function matchFirstCell(identification: Extract<Identification, { decided: false }>, code: string): NotebookIdentity {
  const wanted = normalise(code);
  const matches = identification.candidates.filter((path) => codeCells(path).some((cell) => normalise(cell) === wanted));
  return matches.length === 1 ? notebookIdentity(matches[0]!) : folderIdentity(identification.folder);
}

/**
 * The notebook's identity with the environment it had before a rename or move, if this kernel's
 * earlier process used one: a record of another notebook path that is gone, with a kernel of the
 * same connection file (the same kernel, restarted after its session was given the new path).
 */
export function movedFrom(identity: NotebookIdentity, records: readonly EnvironmentRecord[], me: KernelUse): NotebookIdentity {
  if (identity.kind !== "notebook" || !me.connection || records.some((r) => r.key === identity.key)) return identity;
  const former = records.find(
    (r) =>
      r.key !== identity.key &&
      r.key.toLowerCase().endsWith(".ipynb") &&
      (r.kernels ?? []).some((use) => use.host === me.host && use.connection === me.connection) &&
      !existsSync(r.key),
  );
  return former ? { ...identity, environmentName: former.name, formerKey: former.key } : identity;
}

/**
 * The identity with the environment of a notebook renamed or moved while no kernel ran: a record
 * of a notebook that is gone (never one that still exists: a copy gets its own), that no running
 * kernel uses, and that shares the most cell ids with the notebook's file (only one such record;
 * none shares any: the identity as it is).
 */
export function adoptedBy(identity: NotebookIdentity, records: readonly EnvironmentRecord[]): NotebookIdentity {
  if (identity.kind !== "notebook" || records.some((r) => r.key === identity.key)) return identity;
  const ids = new Set(cellIds(identity.key));
  if (ids.size === 0) return identity;
  let best: EnvironmentRecord | undefined;
  let bestShared = 0;
  let tied = false;
  for (const r of records) {
    if (!r.key.toLowerCase().endsWith(".ipynb") || existsSync(r.key) || liveKernels(r).length > 0) continue;
    const shared = (r.cells ?? []).filter((id) => ids.has(id)).length;
    if (shared > bestShared) [best, bestShared, tied] = [r, shared, false];
    else if (shared > 0 && shared === bestShared) tied = true;
  }
  return best && !tied ? { ...identity, environmentName: best.name, formerKey: best.key } : identity;
}

/**
 * The identity with a folder name no other notebook's record uses: a notebook renamed while open
 * keeps its venv's folder, whose name a new notebook at its old path would otherwise be given.
 */
export function withFreeName(identity: NotebookIdentity, records: readonly EnvironmentRecord[]): NotebookIdentity {
  const taken = new Set(records.filter((r) => r.key !== identity.key).map((r) => r.name));
  if (!taken.has(identity.environmentName)) return identity;
  const label = identity.environmentName.replace(/^luci_/, "").replace(/_[0-9a-f]{8}$/, "");
  for (let n = 2; ; n++) {
    const name = environmentName(label, `${identity.key}#${n}`);
    if (!taken.has(name)) return { ...identity, environmentName: name };
  }
}

export function notebookIdentity(path: string): NotebookIdentity {
  return { key: path, kind: "notebook", environmentName: environmentName(basename(path).replace(/\.ipynb$/i, ""), path) };
}

export function folderIdentity(folder: string): NotebookIdentity {
  return { key: folder, kind: "folder", environmentName: environmentName(basename(folder) || "root", folder) };
}

function environmentName(label: string, key: string): string {
  const safe =
    label
      .replace(/[^A-Za-z0-9_-]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 40) || "notebook";
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 8);
  return `luci_${safe}_${hash}`;
}

/** The notebooks of a folder (not hidden ones), sorted by name. */
export function notebooksIn(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((name) => name.toLowerCase().endsWith(".ipynb") && !name.startsWith("."))
      .map((name) => join(folder, name))
      .sort();
  } catch {
    return [];
  }
}

function codeCells(path: string): string[] {
  return notebookCells(path).flatMap((cell) => (cell.cell_type === "code" ? [sourceText(cell.source)] : []));
}

/** The ids of a notebook file's cells (nbformat 4.5), none when it cannot be read. */
export function cellIds(path: string): string[] {
  return notebookCells(path).flatMap((cell) => (typeof cell.id === "string" && cell.id ? [cell.id] : []));
}

function notebookCells(path: string): Record<string, unknown>[] {
  try {
    const notebook: unknown = JSON.parse(readFileSync(path, "utf8"));
    const cells: unknown = isObject(notebook) ? notebook.cells : undefined;
    return Array.isArray(cells) ? cells.filter(isObject) : [];
  } catch {
    return [];
  }
}

/** A cell's source as nbformat writes it: one string, or a list of lines. */
function sourceText(source: unknown): string {
  if (typeof source === "string") return source;
  return Array.isArray(source) ? source.filter((line: unknown) => typeof line === "string").join("") : "";
}

function normalise(source: string): string {
  return source.replace(/\r\n/g, "\n").trim();
}
