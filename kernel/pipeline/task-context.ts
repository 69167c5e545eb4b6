// What the model is told besides the task: the earlier cells (their tasks and the code that
// ran), the live namespace, the files in the working directory and the installed packages.
// `now only for 2024` must work after a cell that made a DataFrame: the namespace says so.
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { array, number, object, optional, parseShape, string } from "../common/shape.js";
import { isSecretName, redactSecrets, secretEnvironmentValues, secretFromPreview, secretValuesIn } from "./secrets.js";
import type { EarlierCell, FilePreview, NamespaceEntry, TaskContext } from "./model/prompt.js";

/** What the model is shown of the earlier cells (the prompt's window is smaller: prompt.ts). */
const CONTEXT_CELLS = 20;
/** What %luci export can write out. */
const KEPT_CELLS = 5000;
/** The secret values remembered from cells that ran (a bound, not a limit that real notebooks reach). */
const KEPT_SECRETS = 1000;

/** The notebook's cells as they ran in this kernel, most recent last. */
export class CellLog {
  private readonly cells: EarlierCell[] = [];
  private count = 0;
  private readonly secretValues = new Set<string>();

  add(cell: EarlierCell): void {
    this.cells.push({ ...cell, number: this.count++ });
    if (this.cells.length > KEPT_CELLS) this.cells.shift();
    // A secret set in a cell long out of the prompt's window may still show up in a traceback.
    for (const secret of secretValuesIn(cell.code)) {
      this.secretValues.delete(secret);
      this.secretValues.add(secret);
      if (this.secretValues.size > KEPT_SECRETS) this.secretValues.delete(this.secretValues.values().next().value!);
    }
  }

  /** The values the cells gave secret-like names (`db_password = "…"`, `%env HF_TOKEN=…`), oldest first. */
  secrets(): string[] {
    return [...this.secretValues];
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
  /** The environment the notebook's Python sees: its secret-named variables' values are redacted. */
  env?: NodeJS.ProcessEnv;
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

export async function gatherContext(sources: ContextSources, task = ""): Promise<TaskContext> {
  const entries = await sources.namespace().catch(() => []);
  // Values that are secret wherever they appear (a traceback, a plain-named variable's preview):
  // those the cells gave secret names, those of secret-named variables in the namespace (read
  // from a file or typed at getpass()), and those of the environment's secret-named variables.
  const secrets = new Set([...sources.cells.secrets(), ...secretEnvironmentValues(sources.env ?? process.env)]);
  for (const entry of entries) {
    const secret = isSecretName(entry.name) && entry.preview ? secretFromPreview(entry.preview) : undefined;
    if (secret) secrets.add(secret);
  }
  const namespace = entries.map((entry) =>
    isSecretName(entry.name) ? { ...entry, preview: undefined } : entry.preview ? { ...entry, preview: redactSecrets(entry.preview, secrets) } : entry,
  );
  return {
    secrets: [...secrets],
    cells: sources.cells.recent().map((cell) => ({ ...cell, code: redactSecrets(cell.code, secrets) })),
    namespace,
    files: filesIn(sources.cwd),
    filePreviews: previewsOf(sources.cwd, task, secrets),
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
function previewsOf(dir: string, task: string, secrets: Iterable<string>): FilePreview[] {
  const text = task.toLowerCase();
  if (!text) return [];
  const named = filesIn(dir).filter((name) => PREVIEWED.test(name) && text.includes(name.toLowerCase()));
  const previews: FilePreview[] = [];
  for (const name of named.slice(0, PREVIEW_FILES)) {
    const lines = firstLines(join(dir, name));
    if (lines.length)
      previews.push({
        name,
        lines: lines.map((line) => redactSecrets(line.length > PREVIEW_LINE_CHARS ? `${line.slice(0, PREVIEW_LINE_CHARS)}…` : line, secrets)),
      });
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
