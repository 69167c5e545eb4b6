// The notebook in memory: cells with their kind, source, outputs and execution count, and the
// notebook's metadata. Read from and written to nbformat 4.5 (model/nbformat.ts). Views change
// it and call `changed()`, which marks it dirty and tells listeners (the title, the save button).
import type { CellKind } from "./cell-kind.js";

export type JsonObject = { [key: string]: unknown };

interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: string;
}
export interface DataOutput {
  output_type: "display_data" | "execute_result";
  data: JsonObject;
  metadata: JsonObject;
  execution_count?: number | null;
}
interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DataOutput | ErrorOutput;

export interface CellModel {
  id: string;
  kind: CellKind;
  /**
   * True while the kind is the page's guess from the text (a cell with no recorded kind that the
   * routing table leaves to Python's parser): the cell is sent as written, the kernel decides,
   * and its answer (execute_reply metadata luci.ran_as) replaces the guess.
   */
  kindGuessed?: boolean;
  source: string;
  outputs: Output[];
  executionCount: number | null;
  /** The cell's metadata as read (luci.kind is rewritten on save); attachments are kept. */
  metadata: JsonObject;
  attachments?: JsonObject;
}

export class NotebookModel {
  dirty = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    public path: string,
    public cells: CellModel[],
    public metadata: JsonObject,
  ) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    this.dirty = true;
    for (const listener of this.listeners) listener();
  }

  saved(): void {
    this.dirty = false;
    for (const listener of this.listeners) listener();
  }

  get name(): string {
    return this.path.split("/").pop() ?? this.path;
  }
}

/** A new cell id as nbformat 4.5 asks: 1 to 64 of [a-zA-Z0-9-_]. */
export function newCellId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function newCell(kind: CellKind, source = ""): CellModel {
  return { id: newCellId(), kind, source, outputs: [], executionCount: null, metadata: {} };
}
