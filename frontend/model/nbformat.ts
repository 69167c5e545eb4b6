// nbformat 4.5 in and out. Cell ids are kept (and made for cells without one); the cell's kind
// goes to metadata.luci.kind; the notebook's kernelspec and language_info are written; outputs
// are kept as they are, so the recorded code (application/vnd.luci.record+json) travels with the
// notebook and reruns need no model call.
import { readKind } from "./cell-kind.js";
import { isObject, objectOr, objects, strings, textOf } from "./json.js";
import { NotebookModel, newCellId, type CellModel, type JsonObject, type Output } from "./notebook-model.js";

type Multiline = string | string[];

interface NbCell {
  id?: string;
  cell_type: "code" | "markdown" | "raw";
  source: Multiline;
  metadata?: JsonObject;
  outputs?: NbOutput[];
  execution_count?: number | null;
  attachments?: JsonObject;
}
type NbOutput = JsonObject & { output_type: string };
export interface NbNotebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: JsonObject;
  cells: NbCell[];
}

export const DEFAULT_KERNELSPEC = { name: "luci", display_name: "Luci", language: "python" };

/** A multiline field as read from a file: a string, or a list of strings. */
const joinRead = (value: unknown): string => (typeof value === "string" ? value : strings(value).join(""));

/** Lines as Jupyter writes them: each keeps its "\n", so diffs of saved notebooks stay small. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const VALID_ID = /^[a-zA-Z0-9-_]{1,64}$/;

export function fromNbformat(path: string, json: unknown): NotebookModel {
  const nb = objectOr(json);
  if (!Array.isArray(nb.cells)) throw new Error(`${path} is not a notebook (no cells)`);
  const nbformat = typeof nb.nbformat === "number" ? nb.nbformat : 4;
  if (nbformat < 4) throw new Error(`${path} is nbformat ${nbformat}; open and save it in Jupyter to upgrade it to version 4`);
  const seen = new Set<string>();
  const cells = objects(nb.cells).map((cell): CellModel => {
    const source = joinRead(cell.source);
    const metadata = { ...objectOr(cell.metadata) };
    const id = typeof cell.id === "string" && VALID_ID.test(cell.id) && !seen.has(cell.id) ? cell.id : newCellId();
    seen.add(id);
    const { kind, guessed } = readKind(cellType(cell.cell_type), source, metadata);
    return {
      id,
      kind,
      ...(guessed ? { kindGuessed: true } : {}),
      source,
      outputs: objects(cell.outputs)
        .map(readOutput)
        .filter((o): o is Output => o !== undefined),
      executionCount: typeof cell.execution_count === "number" ? cell.execution_count : null,
      metadata,
      ...(isObject(cell.attachments) ? { attachments: cell.attachments } : {}),
    };
  });
  return new NotebookModel(path, cells, { ...objectOr(nb.metadata) });
}

/** nbformat's three cell types; anything else is read as code, as Jupyter shows it. */
function cellType(value: unknown): NbCell["cell_type"] {
  return value === "markdown" || value === "raw" ? value : "code";
}

function readOutput(out: JsonObject): Output | undefined {
  switch (out.output_type) {
    case "stream":
      return { output_type: "stream", name: out.name === "stderr" ? "stderr" : "stdout", text: joinRead(out.text) };
    case "display_data":
    case "execute_result":
      return {
        output_type: out.output_type,
        data: joinData(objectOr(out.data)),
        metadata: objectOr(out.metadata),
        ...(out.output_type === "execute_result" ? { execution_count: typeof out.execution_count === "number" ? out.execution_count : null } : {}),
      };
    case "error":
      return { output_type: "error", ename: textOf(out.ename), evalue: textOf(out.evalue), traceback: strings(out.traceback) };
    default:
      return undefined;
  }
}

/** Text mime types may be stored as lists of lines; JSON ones (…+json, application/json) are objects. */
function joinData(data: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [mime, value] of Object.entries(data)) out[mime] = Array.isArray(value) && !isJsonMime(mime) ? value.join("") : value;
  return out;
}

const isJsonMime = (mime: string) => mime === "application/json" || mime.endsWith("+json");

export interface KernelLanguage {
  name: string;
  version?: string;
  mimetype?: string;
  file_extension?: string;
  pygments_lexer?: string;
  codemirror_mode?: unknown;
  nbconvert_exporter?: string;
}

export function toNbformat(model: NotebookModel, kernelspec: { name: string; display_name: string; language: string }, language?: KernelLanguage): NbNotebook {
  const metadata: JsonObject = { ...model.metadata, kernelspec };
  if (language) metadata.language_info = language;
  else metadata.language_info ??= { name: "python" };
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata,
    cells: model.cells.map((cell): NbCell => {
      if (cell.kind === "markdown") {
        const { luci: _luci, ...rest } = cell.metadata;
        return {
          id: cell.id,
          cell_type: "markdown",
          metadata: rest,
          source: splitLines(cell.source),
          ...(cell.attachments ? { attachments: cell.attachments } : {}),
        };
      }
      // A guessed kind is not written: read again, the cell is guessed again (or the kernel says).
      const { kind: _kind, ...luciRest } = objectOr(cell.metadata.luci);
      const luci = cell.kindGuessed ? luciRest : { ...luciRest, kind: cell.kind };
      const { luci: _luci, ...rest } = cell.metadata;
      return {
        id: cell.id,
        cell_type: "code",
        metadata: Object.keys(luci).length ? { ...rest, luci } : rest,
        source: splitLines(cell.source),
        execution_count: cell.executionCount,
        outputs: cell.outputs.map(writeOutput),
      };
    }),
  };
}

function writeOutput(out: Output): NbOutput {
  switch (out.output_type) {
    case "stream":
      return { output_type: "stream", name: out.name, text: splitLines(out.text) };
    case "error":
      return { output_type: "error", ename: out.ename, evalue: out.evalue, traceback: out.traceback };
    default: {
      const data: JsonObject = {};
      for (const [mime, value] of Object.entries(out.data))
        data[mime] = typeof value === "string" && !isJsonMime(mime) && !mime.startsWith("image/") ? splitLines(value) : value;
      return out.output_type === "execute_result"
        ? { output_type: "execute_result", data, metadata: out.metadata, execution_count: out.execution_count ?? null }
        : { output_type: "display_data", data, metadata: out.metadata };
    }
  }
}
