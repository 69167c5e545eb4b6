// The messages for a new task: a system prompt (what Luci is and the exact answer format) and a
// user message (the task, then what the code can build on: earlier cells, the live namespace,
// the files, the packages). The caller gathers the context; this file only words it, compactly:
// every list is capped and every long text clipped, so a notebook with a hundred cells or a
// namespace of a thousand names still makes a prompt a small local model can take.
import { ANALYSIS_AND_PLAN_JSON_SCHEMA, COMPLEXITIES, EXAMPLE_ANALYSIS_AND_PLAN, TASK_TYPES } from "./answer-schema.js";
import type { JsonValue } from "../records/json.js";
import { pythonLiteral } from "../records/parameters.js";
import type { ChatMessage } from "./types.js";

export interface EarlierCell {
  /** The task text, for a task cell; absent for a Python cell. */
  task?: string;
  /** The code that ran (generated or written by the user). */
  code: string;
}

export interface NamespaceEntry {
  name: string;
  /** The type's name: "DataFrame", "int", "function", "module", ... */
  type: string;
  /** For arrays and DataFrames: [rows, columns] or any shape. */
  shape?: number[];
  /** For DataFrames: column names (dtypes optional, "revenue: float64"). */
  columns?: string[];
  /** For sized containers: len(). */
  length?: number;
  /** A short repr of a small value (numbers, short strings). */
  preview?: string;
}

export interface TaskContext {
  cells?: EarlierCell[];
  namespace?: NamespaceEntry[];
  /** File names in the working directory (relative). */
  files?: string[];
  /** Installed distributions, "pandas==2.2.3" or just "pandas". */
  packages?: string[];
  /** Parameters of this task ({name=value}): variables set before the code runs. */
  parameters?: Record<string, unknown>;
  /** "3.12.4", for the system prompt. */
  pythonVersion?: string;
}

export const CONTEXT_LIMITS = {
  cells: 6,
  codeChars: 1500,
  taskChars: 400,
  names: 40,
  columns: 30,
  files: 50,
  packages: 80,
  previewChars: 80,
};

export function systemPrompt(pythonVersion?: string): string {
  const example = JSON.stringify(EXAMPLE_ANALYSIS_AND_PLAN);
  return [
    "You are Luci, the engine of a Jupyter notebook in which each cell is a task in plain language. " +
      "For each task you write an analysis, a plan and the Python code that does the task.",
    "",
    "Answer in exactly this format, and nothing else:",
    "1. A ```json block with one object {\"analysis\": ..., \"plan\": ...} of this JSON Schema:",
    JSON.stringify(ANALYSIS_AND_PLAN_JSON_SCHEMA),
    `   task_type is one of ${TASK_TYPES.join(", ")}; complexity is one of ${COMPLEXITIES.join(", ")}. Example:`,
    "```json",
    example,
    "```",
    "2. Then one ```python block with the complete code. Never put the code inside the JSON.",
    "",
    "The code:",
    `- runs in the notebook's persistent Python${pythonVersion ? ` ${pythonVersion}` : ""} namespace: ` +
      "variables from earlier cells exist, so reuse them instead of loading data again; " +
      "parameters listed with the task are already set, so read them and do not assign them;",
    "- puts all imports at the top; missing packages are installed for you;",
    "- shows results with print() or display(); the value of the last line is shown too; " +
      "matplotlib figures show inline (call plt.show());",
    "- never calls input(), and reads files from the working directory by relative path;",
    "- is complete and runnable: no placeholders, no '...'.",
  ].join("\n");
}

/** The messages for a new task. */
export function taskMessages(task: string, context: TaskContext = {}): ChatMessage[] {
  return [
    { role: "system", content: systemPrompt(context.pythonVersion) },
    { role: "user", content: userMessage(task, context) },
  ];
}

export function userMessage(task: string, context: TaskContext = {}): string {
  const parts: string[] = [`Task: ${task.trim()}`];
  const params = Object.entries(context.parameters ?? {});
  if (params.length) {
    parts.push(
      "Parameters (already set as variables; read them, do not assign them):\n" +
        params.map(([name, value]) => `- ${name} = ${pythonLiteral(value as JsonValue)}`).join("\n"),
    );
  }
  const context_ = contextSection(context);
  if (context_) parts.push(context_);
  return parts.join("\n\n");
}

function contextSection(context: TaskContext): string | undefined {
  const sections: string[] = [];
  const cells = context.cells ?? [];
  if (cells.length) {
    const shown = cells.slice(-CONTEXT_LIMITS.cells);
    const lines = shown.map((cell, i) => {
      const head = cell.task ? `Task: ${clipText(cell.task.trim(), CONTEXT_LIMITS.taskChars)}\n` : "";
      return `### Cell ${cells.length - shown.length + i + 1}\n${head}\`\`\`python\n${clipCode(cell.code)}\n\`\`\``;
    });
    const skipped = cells.length - shown.length;
    sections.push(
      `## Earlier cells (oldest first${skipped ? `; ${skipped} older not shown` : ""})\n${lines.join("\n")}`,
    );
  }
  const names = context.namespace ?? [];
  if (names.length) {
    const shown = names.slice(0, CONTEXT_LIMITS.names).map(describeName);
    const more = names.length - shown.length;
    sections.push(`## Variables in the namespace\n${shown.join("\n")}${more ? `\n- … and ${more} more` : ""}`);
  }
  const files = context.files ?? [];
  if (files.length) sections.push(`## Files in the working directory\n${capList(files, CONTEXT_LIMITS.files)}`);
  const packages = context.packages ?? [];
  if (packages.length) sections.push(`## Installed packages\n${capList(packages, CONTEXT_LIMITS.packages)}`);
  return sections.length ? `# Context\n\n${sections.join("\n\n")}` : undefined;
}

function describeName(entry: NamespaceEntry): string {
  const facts: string[] = [entry.type];
  if (entry.shape) facts.push(`shape ${entry.shape.join("×")}`);
  if (entry.length !== undefined && !entry.shape) facts.push(`length ${entry.length}`);
  let line = `- ${entry.name}: ${facts.join(", ")}`;
  if (entry.columns?.length) {
    const cols = entry.columns.slice(0, CONTEXT_LIMITS.columns);
    const more = entry.columns.length - cols.length;
    line += `; columns: ${cols.join(", ")}${more ? `, … (${more} more)` : ""}`;
  }
  if (entry.preview) line += ` = ${clipText(entry.preview, CONTEXT_LIMITS.previewChars)}`;
  return line;
}

function capList(items: string[], max: number): string {
  const shown = items.slice(0, max);
  const more = items.length - shown.length;
  return shown.join(", ") + (more ? `, … (${more} more)` : "");
}

function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Long code keeps its head and tail (imports and the last steps say the most). */
function clipCode(code: string): string {
  const text = code.replace(/\s+$/, "");
  const max = CONTEXT_LIMITS.codeChars;
  if (text.length <= max) return text;
  const head = text.slice(0, Math.floor(max * 0.6));
  const tail = text.slice(text.length - Math.floor(max * 0.3));
  return `${head.slice(0, head.lastIndexOf("\n"))}\n# … (${text.length - max} characters left out)\n${tail.slice(tail.indexOf("\n") + 1)}`;
}

/** A parameter's value as Python would write it. */
