// Finding a task cell's record at run time. The kernel is not told the notebook's content, only
// (at best) its path and the cell's id, so it reads the saved .ipynb: the cell by its id
// (JupyterLab's metadata.cellId is nbformat 4.5's cell `id`), else by its source, else any
// record of the same task. Records this kernel made or reused since it started are kept in
// memory too, and win over the file: the user may not have saved since (story 2 in JupyterLab);
// but not over a save that cleared them (the cell's notebook written later without the record).
//
// Reading never throws at run time: a notebook being written (truncated JSON), missing or
// unreadable gives no record. The parsed index is cached by inode, size and mtime, so a large
// notebook is read once, not once per cell.
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { errorMessage } from "../../common/errors.js";
import { isJsonObject } from "./json.js";
import { taskKey } from "./parameters.js";
import { checkRecord, RECORD_MIME, type LuciRecord } from "./record.js";

export interface NotebookCell {
  index: number;
  /** nbformat 4.5 cell id, when the file has one. */
  id?: string;
  /** The source with line endings normalised and the ends trimmed. */
  source: string;
  /** The cell's valid records in output order (the last is the cell's record). */
  records: LuciRecord[];
}

export interface NotebookRecords {
  path: string;
  /** The code cells. */
  cells: NotebookCell[];
  /** Record outputs that were not usable, and why (a newer version, a broken field). */
  skipped: { cellIndex: number; reason: string }[];
  /** When the file was last written (its mtime, ms), when read through a NotebookReader. */
  savedAt?: number;
}

/** Reads the records of a notebook; throws with a plain message when the file is not a notebook. */
export function readNotebookRecords(path: string): NotebookRecords {
  const absolute = resolve(path);
  const text = readFileSync(absolute, "utf8");
  let notebook: unknown;
  try {
    notebook = JSON.parse(text);
  } catch (err) {
    throw new Error(`${absolute} is not valid JSON (${errorMessage(err)}); is it being written, or not a notebook?`, { cause: err });
  }
  if (!isJsonObject(notebook) || !Array.isArray(notebook.cells)) throw new Error(`${absolute} is not a Jupyter notebook (no "cells" list)`);
  return indexNotebook(absolute, notebook.cells);
}

function indexNotebook(path: string, rawCells: unknown[]): NotebookRecords {
  const cells: NotebookCell[] = [];
  const skipped: NotebookRecords["skipped"] = [];
  rawCells.forEach((cell, index) => {
    if (!isJsonObject(cell) || cell.cell_type !== "code") return;
    const records: LuciRecord[] = [];
    for (const output of Array.isArray(cell.outputs) ? cell.outputs : []) {
      if (!isJsonObject(output) || !isJsonObject(output.data) || !(RECORD_MIME in output.data)) continue;
      const check = checkRecord(output.data[RECORD_MIME]);
      if (check.ok) records.push(check.record);
      else skipped.push({ cellIndex: index, reason: check.reason });
    }
    const id = typeof cell.id === "string" ? cell.id : isJsonObject(cell.metadata) && typeof cell.metadata.id === "string" ? cell.metadata.id : undefined;
    cells.push({ index, ...(id ? { id } : {}), source: normaliseSource(joinSource(cell.source)), records });
  });
  return { path, cells, skipped };
}

function joinSource(source: unknown): string {
  if (typeof source === "string") return source;
  if (Array.isArray(source)) return source.filter((s): s is string => typeof s === "string").join("");
  return "";
}

export function normaliseSource(source: string): string {
  return source.replace(/\r\n?/g, "\n").trim();
}

/** Cached, never-throwing reads of notebooks (one per kernel). */
export class NotebookReader {
  private readonly cache = new Map<string, { stamp: string; records: NotebookRecords }>();
  /** Why the last read gave nothing, for diagnostics. */
  lastError?: string;

  constructor(private readonly maxBytes = 512 * 1024 * 1024) {}

  read(path: string): NotebookRecords | undefined {
    const absolute = resolve(path);
    this.lastError = undefined;
    let stamp: string;
    let mtimeMs: number;
    try {
      const stat = statSync(absolute);
      if (!stat.isFile()) throw new Error(`${absolute} is not a file`);
      if (stat.size > this.maxBytes) throw new Error(`${absolute} is larger than ${this.maxBytes} bytes; its records are not read`);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      mtimeMs = stat.mtimeMs;
    } catch (err) {
      this.cache.delete(absolute);
      this.lastError = errorMessage(err);
      return undefined;
    }
    const cached = this.cache.get(absolute);
    if (cached?.stamp === stamp) return cached.records;
    try {
      const records = { ...readNotebookRecords(absolute), savedAt: mtimeMs };
      this.cache.set(absolute, { stamp, records });
      return records;
    } catch (err) {
      // Not cached: a notebook caught mid-write is read again next time.
      this.lastError = errorMessage(err);
      return undefined;
    }
  }
}

export interface RecordQuery {
  /** The notebook's path, when the kernel knows it. */
  notebookPath?: string;
  /** The cell id the client sent (metadata.cellId), if any. */
  cellId?: string;
  /** The cell's source as executed. */
  source: string;
  /** The task text (parameters included) the cell asks for. */
  task: string;
}

export type MatchedBy = "id" | "source" | "task";

export interface FoundRecord {
  record: LuciRecord;
  origin:
    | { kind: "notebook"; path: string; cellIndex: number; cellId?: string; matchedBy: MatchedBy }
    | { kind: "session"; cellId?: string; matchedBy: "id" | "task" };
  /**
   * The record's task equals the cell's task with parameter values abstracted: run it, no model
   * call. A record found by cell id that is not reusable is the cell's previous code (the task
   * text changed): generate anew, and show the difference.
   */
  reusable: boolean;
}

/**
 * The record for a cell in one notebook: by id (the cell's record, reusable or not); else the
 * first cell with the same source that holds a reusable record; else the first reusable record
 * anywhere in the notebook (the same task in an edited or unsaved cell).
 */
export function findInNotebook(notebook: NotebookRecords, query: RecordQuery): FoundRecord | undefined {
  const key = taskKey(query.task);
  const found = (cell: NotebookCell, record: LuciRecord, matchedBy: MatchedBy): FoundRecord => ({
    record,
    origin: { kind: "notebook", path: notebook.path, cellIndex: cell.index, ...(cell.id ? { cellId: cell.id } : {}), matchedBy },
    reusable: taskKey(record.task) === key,
  });
  if (query.cellId) {
    const cell = notebook.cells.find((c) => c.id === query.cellId);
    const record = cell?.records.at(-1);
    if (cell && record) return found(cell, record, "id");
  }
  const source = normaliseSource(query.source);
  for (const cell of notebook.cells) {
    const record = cell.records.at(-1);
    if (record && cell.source === source && taskKey(record.task) === key) return found(cell, record, "source");
  }
  for (const cell of notebook.cells) {
    const record = [...cell.records].reverse().find((r) => taskKey(r.task) === key);
    if (record) return found(cell, record, "task");
  }
  return undefined;
}

/**
 * A kernel's records: those it made or reused this session (remember) and those in the
 * notebook file. Lookup order: this session's record for the cell id; the file's record for the
 * cell id; this session's record for the same task; the file by source; the file by task.
 *
 * This session's records win over the file because the user may not have saved since; but when
 * the cell's notebook (the file that has the cell's id) was saved after the cell's record was
 * made and holds that record nowhere, its outputs were cleared (clearing a notebook's outputs
 * removes its records): the record is forgotten.
 */
export class RecordStore {
  private readonly byCell = new Map<string, { record: LuciRecord; at: number }>();
  private readonly byTask = new Map<string, { record: LuciRecord; at: number }>();

  constructor(readonly reader: NotebookReader = new NotebookReader()) {}

  /** Keep a record this kernel made (after signing) or reused, for reruns before a save. */
  remember(record: LuciRecord, cellId?: string): void {
    // The end of this millisecond: a file written in it (mtime has a fraction) is not "after".
    const kept = { record, at: Date.now() + 1 };
    if (cellId) this.byCell.set(cellId, kept);
    this.byTask.set(taskKey(record.task), kept);
  }

  find(query: RecordQuery): FoundRecord | undefined {
    const key = taskKey(query.task);
    const notebook = query.notebookPath ? this.reader.read(query.notebookPath) : undefined;
    if (notebook && query.cellId) this.forgetCleared(notebook, query.cellId);
    if (query.cellId) {
      const own = this.byCell.get(query.cellId)?.record;
      if (own) return { record: own, origin: { kind: "session", cellId: query.cellId, matchedBy: "id" }, reusable: taskKey(own.task) === key };
    }
    const fromFile = notebook ? findInNotebook(notebook, query) : undefined;
    if (fromFile?.origin.matchedBy === "id") return fromFile;
    const same = this.byTask.get(key)?.record;
    if (same) return { record: same, origin: { kind: "session", matchedBy: "task" }, reusable: true };
    return fromFile;
  }

  /** Forgets the cell's record when its notebook, saved after the record was made, no longer holds it. */
  private forgetCleared(notebook: NotebookRecords, cellId: string): void {
    const kept = this.byCell.get(cellId);
    if (!kept || notebook.savedAt === undefined || notebook.savedAt <= kept.at) return;
    if (!notebook.cells.some((cell) => cell.id === cellId)) return; // not this cell's notebook
    const signature = kept.record.signature;
    if (notebook.cells.some((cell) => cell.records.some((record) => record.signature === signature))) return;
    this.byCell.delete(cellId);
    const key = taskKey(kept.record.task);
    if (this.byTask.get(key)?.record.signature === signature) this.byTask.delete(key);
  }
}
