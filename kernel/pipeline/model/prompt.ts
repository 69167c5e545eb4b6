// The messages for a new task: a system prompt (what Luci is, the answer it wants, the rules of
// the notebook) and a user message (what the code can build on: earlier cells, the live
// namespace, the files, the packages; then the task's parameters and the task itself).
//
// The system prompt is short and the same for every task of a kernel: small local models read a
// prompt at about 60 tokens a second here, and a server that caches a prompt's beginning then
// reads it once. For the same reason the user message puts what grows from task to task (the
// earlier cells, oldest first) before what changes (the namespace, the task).
//
// The answer it asks for is the one real models write best and fastest: the complete code in one
// ```python block, each step begun by a short comment (the plan shown in the cell is read from
// those comments, answer-plan.ts). Measured on Qwen2.5-Coder-1.5B here (docs/performance.md):
// a plan in words first ("plain") cost 100-300 more tokens a task at 15-20 tokens a second, and
// when told to keep it short the model wrote the code inside the plan's steps and no block at
// all; a numbered answer format was copied as `1. ```json` (real-models.md). LUCI_TASK_PROMPT
// keeps the two other forms, "plain" (a numbered plan, then the code) and "json" (the analysis
// and plan as JSON, then the code), so that they can be measured again on other models; the
// reader (answer-parser.ts) takes all three. Every list is capped and every long text clipped.
import { COMPLEXITIES, EXAMPLE_ANALYSIS_AND_PLAN, TASK_TYPES } from "./answer-schema.js";
import type { JsonValue } from "../records/json.js";
import { pythonLiteral } from "../records/parameters.js";
import { ModelSettingsError } from "./settings.js";
import { setting } from "../../common/settings.js";
import type { ChatMessage } from "./types.js";

export interface EarlierCell {
  /** The task text, for a task cell; absent for a Python cell. */
  task?: string;
  /** The code that ran (generated or written by the user). */
  code: string;
  /** Its place in the kernel's log (0 for the first cell that ran): keeps the window steady. */
  number?: number;
}

/** The first lines of a file the task names, so the code reads it right the first time. */
export interface FilePreview {
  name: string;
  lines: string[];
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
  /** The first lines of the files the task names (their separator, header and format). */
  filePreviews?: FilePreview[];
  /** Installed distributions, "pandas==2.2.3" or just "pandas". */
  packages?: string[];
  /** Parameters of this task ({name=value}): variables set before the code runs. */
  parameters?: Record<string, JsonValue>;
  /** "3.12.4", for the system prompt. */
  pythonVersion?: string;
  /** Values that are secret wherever they appear: never part of the prompt, redacted from every request (pipeline/secrets.ts). */
  secrets?: string[];
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

/** Which answer the task prompt asks for: a plan in words then code (plain), or JSON then code. */
export type PromptStyle = "code" | "plain" | "json";

/** LUCI_TASK_PROMPT: code (the default), plain or json. */
export function promptStyle(env: NodeJS.ProcessEnv = process.env): PromptStyle {
  return setting(env, "LUCI_TASK_PROMPT", ModelSettingsError);
}

const ROLE = "You are Luci, the engine of a Jupyter notebook whose cells are tasks in plain language.";

function rules(pythonVersion?: string): string {
  return [
    `The code runs in the notebook's persistent Python${pythonVersion ? ` ${pythonVersion}` : ""} namespace: ` +
      "variables, functions and imports of earlier cells still exist. Use a variable that already holds the data the task is about " +
      "instead of loading it again, but when the task names a file or gives its own values, use those. " +
      "Parameters listed with the task are already set as variables: use them and do not assign them.",
    "Put the imports the code needs at the top; missing packages are installed automatically. " +
      "Show results with print() or display() (the value of the last line is shown too) and call plt.show() for figures. " +
      "Never call input(). Use relative paths for files. Write complete, runnable code with no placeholders.",
  ].join("\n");
}

const WEB_TASK = /\b(web|website|webpage|dashboard|flask|browser)\b/i;
const WEB_APP_RULE =
  "A web page runs as an app beside the notebook: serve it with http.server or Flask on os.environ['HOST'] and " +
  "int(os.environ['PORT']), as the program's last step; it does not see the notebook's variables, so it loads its own data.";

export function systemPrompt(pythonVersion?: string, style: PromptStyle = "code"): string {
  if (style === "json") {
    return [
      `${ROLE} For each task, give the analysis and the plan as one JSON object in a \`\`\`json block, ` +
        "then the complete Python code in a single ```python block, and nothing after it. Never put the code inside the JSON. The JSON looks like this:",
      JSON.stringify(EXAMPLE_ANALYSIS_AND_PLAN),
      `task_type is one of ${TASK_TYPES.join(", ")}; complexity is one of ${COMPLEXITIES.join(", ")}.`,
      "",
      rules(pythonVersion),
    ].join("\n");
  }
  if (style === "code") {
    return [
      `${ROLE} For each task, answer with the complete Python code in a single \`\`\`python block, and nothing else. ` +
        "Begin each step of the code with a short comment that says what the step does.",
      "",
      rules(pythonVersion),
    ].join("\n");
  }
  return [
    `${ROLE} For each task, write a short plan as a numbered list of at most 4 steps, each one short line, ` +
      "then the complete Python code in a single ```python block, and nothing after it.",
    "",
    rules(pythonVersion),
  ].join("\n");
}

/** The messages for a new task. */
export function taskMessages(task: string, context: TaskContext = {}, style: PromptStyle = "code"): ChatMessage[] {
  return [
    { role: "system", content: systemPrompt(context.pythonVersion, style) },
    { role: "user", content: userMessage(task, context) },
  ];
}

export function userMessage(task: string, context: TaskContext = {}): string {
  const parts: string[] = [];
  const context_ = contextSection(context);
  if (context_) parts.push(context_);
  const params = Object.entries(context.parameters ?? {});
  if (params.length) {
    parts.push(
      "Parameters (already set as variables; read them, do not assign them):\n" +
        params.map(([name, value]) => `- ${name} = ${pythonLiteral(value)}`).join("\n"),
    );
    // No "print each result as `name: value`" line for `%luci sweep`: measured on the 1.5B
    // (bench/tasks loan, whatif, montecarlo), it then printed results it no longer stored. The
    // sweep reads the labelled lines models write anyway ("Total profit: 1,234.50").
  }
  // Only for a task that asks for a web page: a program serving it runs as an app beside the
  // notebook (kernel/apps/), on the port it is given.
  if (WEB_TASK.test(task)) parts.push(WEB_APP_RULE);
  parts.push(`Task: ${task.trim()}`);
  return parts.join("\n\n");
}

function contextSection(context: TaskContext): string | undefined {
  // What changes least comes first: the packages, then the earlier cells (one more each task),
  // then the files and the namespace. A server that caches the prompt's beginning reuses more.
  const sections: string[] = [];
  const packages = context.packages ?? [];
  if (packages.length) sections.push(`## Installed packages\n${capList(packages, CONTEXT_LIMITS.packages)}`);
  const cells = context.cells ?? [];
  if (cells.length) {
    const shown = cellWindow(cells);
    const lines = shown.map((cell, i) => {
      const head = cell.task ? `Task: ${clipText(cell.task.trim(), CONTEXT_LIMITS.taskChars)}\n` : "";
      return `### Cell ${(cell.number ?? cells.length - shown.length + i) + 1}\n${head}\`\`\`python\n${clipCode(cell.code)}\n\`\`\``;
    });
    const skipped = shown[0]?.number ?? cells.length - shown.length;
    sections.push(`## Earlier cells (oldest first${skipped ? `; ${skipped} older not shown` : ""})\n${lines.join("\n")}`);
  }
  const files = context.files ?? [];
  if (files.length) sections.push(`## Files in the working directory\n${capList(files, CONTEXT_LIMITS.files)}`);
  for (const preview of context.filePreviews ?? []) {
    sections.push(`## First lines of ${preview.name}\n${fenced(preview.lines.join("\n"))}`);
  }
  const names = context.namespace ?? [];
  if (names.length) {
    const shown = names.slice(0, CONTEXT_LIMITS.names).map(describeName);
    const more = names.length - shown.length;
    sections.push(`## Variables in the namespace\n${shown.join("\n")}${more ? `\n- … and ${more} more` : ""}`);
  }
  return sections.length ? sections.join("\n\n") : undefined;
}

/**
 * The earlier cells shown: the last few, with a window that moves in steps of CELL_STEP cells
 * rather than one cell per task. Between two steps each new prompt begins with the previous
 * one's earlier cells, so a server that caches a prompt's beginning reads only the new cell;
 * a window moving by one cell each time would change the prompt from its first cell on, and a
 * small model would read every cell again for every task (about 60 tokens a second here).
 */
function cellWindow(cells: EarlierCell[]): EarlierCell[] {
  const last = cells[cells.length - 1]!;
  const total = (last.number ?? cells.length - 1) + 1;
  const first = Math.floor(Math.max(0, total - CONTEXT_LIMITS.cells) / CELL_STEP) * CELL_STEP;
  return cells.filter((cell, i) => (cell.number ?? total - cells.length + i) >= first);
}

const CELL_STEP = 3;

/** A fence longer than any run of backticks in the text, so that file contents cannot close it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const marks = "`".repeat(longest + 1);
  return `${marks}\n${text}\n${marks}`;
}

/** One name of the namespace in a line: `- df: DataFrame, shape 24×2; columns: date, revenue`. */
export function describeName(entry: NamespaceEntry): string {
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
