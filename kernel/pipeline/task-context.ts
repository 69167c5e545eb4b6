// What the model is told besides the task: the earlier cells (their tasks and the code that
// ran), the live namespace, the files in the working directory and the installed packages.
// `now only for 2024` must work after a cell that made a DataFrame: the namespace says so.
import { readdirSync } from "node:fs";
import type { EarlierCell, NamespaceEntry, TaskContext } from "./model/prompt.js";

/** What the model is shown of the earlier cells (the prompt caps it further). */
const CONTEXT_CELLS = 20;
/** What %luci export can write out. */
const KEPT_CELLS = 5000;

/** The notebook's cells as they ran in this kernel, most recent last. */
export class CellLog {
  private readonly cells: EarlierCell[] = [];

  add(cell: EarlierCell): void {
    this.cells.push(cell);
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

export async function gatherContext(sources: ContextSources): Promise<TaskContext> {
  const namespace = await sources.namespace().catch(() => []);
  return {
    cells: sources.cells.recent(),
    namespace,
    files: filesIn(sources.cwd),
    packages: sources.packages(),
    pythonVersion: sources.pythonVersion,
  };
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
