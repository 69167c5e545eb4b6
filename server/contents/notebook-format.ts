// Notebooks written as nbformat writes them, so a file saved here diffs cleanly against one
// saved by Jupyter: nbformat 4.5 (every cell has an id), keys sorted, one-space indent,
// non-ASCII kept, multi-line strings split into lists of lines, and a trailing newline.
import { randomUUID } from "node:crypto";
import { isObject } from "../../kernel/common/json-file.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

export function emptyNotebook(): JsonObject {
  return { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };
}

/** The text of a notebook as saved on disk. Throws if `content` is not a notebook at all. */
export function serializeNotebook(content: unknown): string {
  if (!isJsonObject(content)) throw new Error("the notebook content must be a JSON object");
  const nb = structuredClone(content);
  if (!Array.isArray(nb.cells)) throw new Error("the notebook has no cells list");
  nb.nbformat = 4;
  nb.nbformat_minor = Math.max(5, typeof nb.nbformat_minor === "number" ? nb.nbformat_minor : 5);
  if (typeof nb.metadata !== "object" || nb.metadata === null || Array.isArray(nb.metadata)) nb.metadata = {};
  const seen = new Set<string>();
  for (const cell of nb.cells) {
    if (typeof cell !== "object" || cell === null || Array.isArray(cell)) throw new Error("a cell is not a JSON object");
    let id = typeof cell.id === "string" && CELL_ID.test(cell.id) && !seen.has(cell.id) ? cell.id : randomUUID().slice(0, 8);
    while (seen.has(id)) id = randomUUID().slice(0, 8);
    seen.add(id);
    cell.id = id;
    splitLines(cell, "source");
    if (Array.isArray(cell.outputs)) for (const output of cell.outputs) splitOutput(output);
    if (cell.attachments && typeof cell.attachments === "object" && !Array.isArray(cell.attachments)) {
      for (const bundle of Object.values(cell.attachments)) splitBundle(bundle);
    }
  }
  return JSON.stringify(sortKeys(nb), null, 1) + "\n";
}

/** A JSON object all the way down, as an object from a parsed request body is: checked, so the type can say so. */
function isJsonObject(value: unknown): value is JsonObject {
  return isObject(value) && Object.values(value).every(isJson);
}

function isJson(value: unknown): value is Json {
  if (value === null || typeof value === "boolean" || typeof value === "number" || typeof value === "string") return true;
  return Array.isArray(value) ? value.every(isJson) : isJsonObject(value);
}

function splitOutput(output: Json): void {
  if (typeof output !== "object" || output === null || Array.isArray(output)) return;
  if (output.output_type === "stream") splitLines(output, "text");
  if (output.output_type === "error") return;
  if (output.data) splitBundle(output.data);
}

/** Text MIME types are stored as lists of lines; JSON types (application/json, *+json) as objects. */
function splitBundle(bundle: Json): void {
  if (typeof bundle !== "object" || bundle === null || Array.isArray(bundle)) return;
  for (const key of Object.keys(bundle)) {
    const isJson = key === "application/json" || key.endsWith("+json");
    if (!isJson && (key.startsWith("text/") || key === "application/javascript" || key === "image/svg+xml")) splitLines(bundle, key);
  }
}

function splitLines(holder: JsonObject, key: string): void {
  const value = holder[key];
  if (typeof value !== "string") return;
  const lines = value.split(/(?<=\n)/);
  holder[key] = lines.length === 1 && lines[0] === "" ? [] : lines;
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]!);
  return out;
}
