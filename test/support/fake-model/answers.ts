// Builders for the answers a model gives to a Luci task: the analysis and plan as JSON, the code
// as a fenced Python block, and the messy variants real models produce. Each returns a scenario
// ({ reply }) that can be spread to add options: { ...answer({...}), chunkDelayMs: 20 }.
import type { ReplyScenario } from "./types.js";

export interface AnswerParts {
  /** The analysis object (default: a simple calculation). */
  analysis?: unknown;
  /** The plan object (default: one step). */
  plan?: unknown;
  /** The whole JSON value, replacing { analysis, plan } (for a schema this file does not know). */
  json?: unknown;
  /** The Python code (default: a print). */
  code?: string;
  /** Prose before the JSON and after the code, as chatty models write. */
  prose?: { before?: string; after?: string };
  /** Wrap the code in ```python fences (default true). */
  fenced?: boolean;
  /** Wrap the JSON in ```json fences (default true). */
  jsonFenced?: boolean;
}

export const DEFAULT_ANALYSIS = {
  task_type: "calculation",
  needs_web_interface: false,
  needs_simulation: false,
  data_sources: [] as string[],
  complexity: "simple",
};

export const DEFAULT_PLAN = {
  steps: [{ action: "compute the result and print it", inputs: [] as string[], outputs: ["result"] }],
};

export const DEFAULT_CODE = 'result = 6 * 7\nprint(result)';

function jsonValue(parts: AnswerParts): unknown {
  return parts.json ?? { analysis: parts.analysis ?? DEFAULT_ANALYSIS, plan: parts.plan ?? DEFAULT_PLAN };
}

/** Assemble the text from an already serialised JSON string. */
function assemble(parts: AnswerParts, jsonText: string): string {
  const code = parts.code ?? DEFAULT_CODE;
  const blocks: string[] = [];
  if (parts.prose?.before) blocks.push(parts.prose.before);
  blocks.push(parts.jsonFenced === false ? jsonText : "```json\n" + jsonText + "\n```");
  blocks.push(parts.fenced === false ? code : "```python\n" + code + "\n```");
  if (parts.prose?.after) blocks.push(parts.prose.after);
  return blocks.join("\n");
}

/** The text of a well-formed answer. */
export function answerText(parts: AnswerParts = {}): string {
  return assemble(parts, JSON.stringify(jsonValue(parts), null, 2));
}

/** A well-formed answer: JSON block then Python block, with optional prose around them. */
export function answer(parts: AnswerParts = {}): ReplyScenario {
  return { reply: answerText(parts), label: "answer" };
}

/** The code with no ```python fences (it follows the JSON block on its own). */
export function unfencedCode(parts: AnswerParts = {}): ReplyScenario {
  return { reply: answerText({ ...parts, fenced: false }), label: "unfenced-code" };
}

/** JSON that parses but has the wrong shape: top-level keys removed and/or set to other values.
 * Default: `plan` missing. */
export function wrongShape(
  parts: AnswerParts = {},
  change: { drop?: string[]; set?: Record<string, unknown> } = { drop: ["plan"] },
): ReplyScenario {
  const value = { ...(jsonValue(parts) as Record<string, unknown>) };
  for (const key of change.drop ?? []) delete value[key];
  Object.assign(value, change.set ?? {});
  return { reply: answerText({ ...parts, json: value }), label: "wrong-shape" };
}

export type BrokenJsonKind = "truncated" | "trailing-comma" | "single-quotes";

/** JSON that does not parse, in the ways small models break it. */
export function brokenJson(kind: BrokenJsonKind, parts: AnswerParts = {}): ReplyScenario {
  const good = JSON.stringify(jsonValue(parts), null, 2);
  let bad: string;
  if (kind === "truncated") bad = good.slice(0, Math.floor(good.length / 2));
  else if (kind === "trailing-comma") bad = good.replace(/\n(\s*)([}\]])/g, ",\n$1$2");
  else bad = good.replace(/"/g, "'");
  return { reply: assemble(parts, bad), label: `broken-json:${kind}` };
}

/** A plain refusal with no JSON and no code. */
export function refusal(text = "I can't help with that."): ReplyScenario {
  return { reply: text, label: "refusal" };
}

/** An answer with empty content. */
export function empty(): ReplyScenario {
  return { reply: "", label: "empty" };
}

/** Only a Python block (with optional prose): what a repair call for a traceback returns. */
export function codeOnly(code: string, prose?: { before?: string; after?: string }): ReplyScenario {
  const blocks = [prose?.before, "```python\n" + code + "\n```", prose?.after].filter(Boolean);
  return { reply: blocks.join("\n"), label: "code-only" };
}

/** The content is nothing but JSON, as under response_format json_schema / json_object. */
export function jsonOnly(value: unknown): ReplyScenario {
  return { reply: JSON.stringify(value), label: "json-only" };
}
