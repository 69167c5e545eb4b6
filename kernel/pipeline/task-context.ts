// What the model is told besides the task: the earlier cells (their tasks and the code that
// ran), the live namespace, the files in the working directory and the installed packages.
// `now only for 2024` must work after a cell that made a DataFrame: the namespace says so.
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { array, number, object, optional, parseShape, string } from "../common/shape.js";
import { sharedTables } from "../common/shared-tables.js";
import type { EarlierCell, FilePreview, NamespaceEntry, TaskContext } from "./model/prompt.js";

/** What the model is shown of the earlier cells (the prompt's window is smaller: prompt.ts). */
const CONTEXT_CELLS = 20;
/** What %luci export can write out. */
const KEPT_CELLS = 5000;

/** The notebook's cells as they ran in this kernel, most recent last. */
export class CellLog {
  private readonly cells: EarlierCell[] = [];
  private count = 0;

  add(cell: EarlierCell): void {
    this.cells.push({ ...cell, number: this.count++ });
    if (this.cells.length > KEPT_CELLS) this.cells.shift();
  }

  recent(count = CONTEXT_CELLS): EarlierCell[] {
    return this.cells.slice(-count);
  }

  all(): EarlierCell[] {
    return [...this.cells];
  }
}

export interface ContextSources {
  cells: CellLog;
  /** The worker's summary of the namespace (may fail: the context is then without it). */
  namespace(): Promise<NamespaceEntry[]>;
  packages(): string[];
  cwd: string;
  pythonVersion?: string;
}

// One entry of the worker's namespace summary (luci_worker/namespace_summary.py, PROTOCOL.md
// "Namespace summary"), checked as it arrives from the worker.
const NamespaceEntryShape = object({
  name: string,
  type: string,
  shape: optional(array(number)),
  columns: optional(array(string)),
  length: optional(number),
  preview: optional(string),
});

/** The entries of the worker's `names` that have the shape of a NamespaceEntry; any other is left out. */
export function namespaceEntries(names: unknown): NamespaceEntry[] {
  if (!Array.isArray(names)) return [];
  return names.flatMap((entry) => {
    const parsed = parseShape(NamespaceEntryShape, entry);
    return parsed.ok ? [parsed.value] : [];
  });
}

/** Names that hold secrets: their values never go to the model. */
const SECRET_NAME = /pass(word|wd)?|secret|token|api_?key|access_?key|private_?key|credential|auth/i;
/**
 * The secret patterns the validation gate reports, from the tables both share
 * (common/shared-tables.ts), made into the kernel's redaction once: literals that look like keys
 * whatever holds them (each match runs on to the end of the token, so a longer key is redacted
 * whole), a private key from its BEGIN line to its END line (or, without one, to the string's
 * end), and the secret part (the patterns' group) of an Authorization header and of a URL's
 * user info.
 */
let patterns: { value: RegExp; privateKey: RegExp; inContext: RegExp[] } | undefined;

function secretPatterns() {
  if (patterns) return patterns;
  const tables = sharedTables();
  const keys = tables.key_patterns.filter((entry) => !entry.private_key).map((entry) => `(?:${entry.pattern})`);
  const begin = tables.key_patterns.find((entry) => entry.private_key)?.pattern ?? "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----";
  patterns = {
    value: new RegExp(`(?:${keys.join("|")})[A-Za-z0-9_-]*`, "g"),
    privateKey: new RegExp(`${begin}(?:[\\s\\S]*?${begin.replace("BEGIN", "END")}|[^"']*)`, "g"),
    inContext: [new RegExp(tables.auth_header_case_insensitive, "gi"), new RegExp(tables.url_password_case_insensitive, "gi")],
  };
  return patterns;
}

/** The match with its group (the secret) replaced, the words around it kept. */
function redactGroup(match: string, secret: string | undefined): string {
  if (!secret) return match;
  const at = match.lastIndexOf(secret);
  return `${match.slice(0, at)}<redacted>${match.slice(at + secret.length)}`;
}

/**
 * Code as the model may see it: string literals given to secret-like names, and literals that
 * look like keys, are replaced by "<redacted>". The endpoint may be remote; a secret in a
 * notebook must not travel there.
 */
export function redactSecrets(code: string): string {
  const { value, privateKey, inContext } = secretPatterns();
  let text = code
    .replace(new RegExp(`(\\b\\w*(?:${SECRET_NAME.source})\\w*["']?\\s*[:=]\\s*)[rbuRBU]{0,2}("[^"\\n]*"|'[^'\\n]*')`, "gi"), '$1"<redacted>"')
    .replace(privateKey, "<redacted private key>")
    .replace(value, "<redacted>");
  for (const pattern of inContext) text = text.replace(pattern, (match: string, secret: string | undefined) => redactGroup(match, secret));
  return text;
}

export async function gatherContext(sources: ContextSources, task = ""): Promise<TaskContext> {
  const namespace = (await sources.namespace().catch(() => [])).map((entry) =>
    SECRET_NAME.test(entry.name) ? { ...entry, preview: undefined } : entry.preview ? { ...entry, preview: redactSecrets(entry.preview) } : entry,
  );
  return {
    cells: sources.cells.recent().map((cell) => ({ ...cell, code: redactSecrets(cell.code) })),
    namespace,
    files: filesIn(sources.cwd),
    filePreviews: previewsOf(sources.cwd, task),
    packages: sources.packages(),
    pythonVersion: sources.pythonVersion,
  };
}

/** Text files whose first lines tell how to read them. */
const PREVIEWED = /\.(csv|tsv|txt|json|jsonl|log|dat|tab|psv)$/i;
const PREVIEW_LINES = 3;
const PREVIEW_LINE_CHARS = 160;
const PREVIEW_FILES = 3;

/**
 * The first lines of the text files the task names ("load weather.csv"): a model that sees
 * `station;date;temp_c` uses `sep=";"`, and one that sees ` Name , Dept ` strips the header,
 * the first time instead of after a KeyError. At most a few files, a few lines each, clipped,
 * with secrets redacted (a file may hold anything).
 */
function previewsOf(dir: string, task: string): FilePreview[] {
  const text = task.toLowerCase();
  if (!text) return [];
  const named = filesIn(dir).filter((name) => PREVIEWED.test(name) && text.includes(name.toLowerCase()));
  const previews: FilePreview[] = [];
  for (const name of named.slice(0, PREVIEW_FILES)) {
    const lines = firstLines(join(dir, name));
    if (lines.length)
      previews.push({ name, lines: lines.map((line) => redactSecrets(line.length > PREVIEW_LINE_CHARS ? `${line.slice(0, PREVIEW_LINE_CHARS)}…` : line)) });
  }
  return previews;
}

function firstLines(path: string): string[] {
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return [];
    fd = openSync(path, "r");
    const buffer = Buffer.alloc(4096);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer
      .subarray(0, read)
      .toString("utf8")
      .replace(/\r\n?/g, "\n")
      .split("\n")
      .slice(0, PREVIEW_LINES)
      .filter((line, i, all) => line || i < all.length - 1);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => !entry.name.startsWith("."))
      .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
      .sort()
      .slice(0, 50);
  } catch {
    return [];
  }
}
