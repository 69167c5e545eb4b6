// Builders for the answers a model gives to a Luci task, each in a shape that real models or
// servers are known to produce (the comment on each says which; real-models.md, in the shared
// research notes beside the repository, has what was measured on these machines). Each returns
// a scenario ({ reply, … }) that can be spread to add options: { ...answer(), chunkDelayMs: 20 }.
import type { ReplyScenario } from "./types.js";
import { isObject } from "../../../kernel/common/json-file.js";

export interface AnswerParts {
  /** The plan: its steps in words, or a { steps: [{ action }] } object (default: one step). */
  plan?: unknown;
  /** Only for jsonAnswer() and its broken variants: the analysis object. answer() has none:
   * Luci derives the analysis from the code. */
  analysis?: unknown;
  /** Only for jsonAnswer(): the whole JSON value, replacing { analysis, plan }. */
  json?: unknown;
  /** The Python code (default: a print). */
  code?: string;
  /** Prose before the plan and after the code, as chatty models write. */
  prose?: { before?: string; after?: string };
}

const DEFAULT_ANALYSIS = {
  task_type: "calculation",
  needs_web_interface: false,
  needs_simulation: false,
  data_sources: [] as string[],
  complexity: "simple",
};

const DEFAULT_PLAN = {
  steps: [{ action: "compute the result and print it", inputs: [] as string[], outputs: ["result"] }],
};

const DEFAULT_CODE = "result = 6 * 7\nprint(result)";

/** The plan's steps in words. */
function planSteps(parts: AnswerParts = {}): string[] {
  const plan = parts.plan ?? DEFAULT_PLAN;
  if (Array.isArray(plan)) return plan.map(String);
  const steps = isObject(plan) ? plan.steps : undefined;
  if (!Array.isArray(steps)) return [];
  return steps.map((s: unknown) => String(isObject(s) && s.action !== undefined ? s.action : s));
}

function numbered(steps: string[]): string {
  return steps.map((s, i) => `${i + 1}. ${s}`).join("\n");
}

function around(parts: AnswerParts, body: string[]): string {
  return [parts.prose?.before, ...body, parts.prose?.after].filter((p) => p !== undefined).join("\n\n");
}

/** The text of answer(): a numbered plan, then one python block. */
export function answerText(parts: AnswerParts = {}): string {
  return around(parts, [numbered(planSteps(parts)), "```python\n" + (parts.code ?? DEFAULT_CODE) + "\n```"]);
}

/** The answer Luci asks for, and what Qwen2.5-Coder-1.5B writes when asked plainly for code
 * (real-models.md): a short numbered plan in prose, then one ```python block. */
export function answer(parts: AnswerParts = {}): ReplyScenario {
  return { reply: answerText(parts), label: "answer" };
}

/** What Luci asks for by default (LUCI_TASK_PROMPT=code), and what Qwen2.5-Coder-1.5B writes
 * when asked so: one ```python block, each step begun by a comment (the plan's steps here). */
export function codeAnswer(parts: AnswerParts = {}): ReplyScenario {
  const code = parts.code ?? DEFAULT_CODE;
  const steps = planSteps(parts);
  const lines = code.split("\n");
  // One comment per step, spread over the lines as the model spreads them.
  const at = new Map(steps.map((step, k) => [Math.floor((k * lines.length) / steps.length), step]));
  const body = lines.flatMap((line, i) => (at.has(i) ? [`# ${at.get(i)}`, line] : [line])).join("\n");
  return { reply: around(parts, ["```python\n" + body + "\n```"]), label: "code-answer" };
}

/** The code with no fences after the plan: small models sometimes leave them out. */
export function unfencedCode(parts: AnswerParts = {}): ReplyScenario {
  return { reply: around(parts, [numbered(planSteps(parts)), parts.code ?? DEFAULT_CODE]), label: "unfenced-code" };
}

function jsonValue(parts: AnswerParts): unknown {
  return parts.json ?? { analysis: parts.analysis ?? DEFAULT_ANALYSIS, plan: parts.plan ?? DEFAULT_PLAN };
}

function jsonThenCode(parts: AnswerParts, jsonText: string): string {
  return around(parts, ["```json\n" + jsonText + "\n```", "```python\n" + (parts.code ?? DEFAULT_CODE) + "\n```"]);
}

/** The older answer format (LUCI_TASK_PROMPT=json), which large hosted models follow: the
 * analysis and plan as a ```json block, then the ```python block. */
export function jsonAnswer(parts: AnswerParts = {}): ReplyScenario {
  return { reply: jsonThenCode(parts, JSON.stringify(jsonValue(parts), null, 2)), label: "json-answer" };
}

/** The JSON format with JSON that parses but has the wrong shape (default: `plan` missing). */
export function wrongShape(parts: AnswerParts = {}, change: { drop?: string[]; set?: Record<string, unknown> } = { drop: ["plan"] }): ReplyScenario {
  const parsed = jsonValue(parts);
  const value: Record<string, unknown> = isObject(parsed) ? { ...parsed } : {};
  for (const key of change.drop ?? []) delete value[key];
  Object.assign(value, change.set ?? {});
  return { reply: jsonThenCode(parts, JSON.stringify(value, null, 2)), label: "wrong-shape" };
}

export type BrokenJsonKind = "truncated" | "trailing-comma" | "single-quotes";

/** The JSON format with JSON that does not parse, in the ways small models break it. */
export function brokenJson(kind: BrokenJsonKind, parts: AnswerParts = {}): ReplyScenario {
  const good = JSON.stringify(jsonValue(parts), null, 2);
  let bad: string;
  if (kind === "truncated") bad = good.slice(0, Math.floor(good.length / 2));
  else if (kind === "trailing-comma") bad = good.replace(/\n(\s*)([}\]])/g, ",\n$1$2");
  else bad = good.replace(/"/g, "'");
  return { reply: jsonThenCode(parts, bad), label: `broken-json:${kind}` };
}

/** Qwen2.5-Coder-1.5B given a numbered answer format ("1. A ```json block … 2. Then one
 * ```python block"): it copied the list markers before the fences, on every task
 * (real-models.md), and closed with a sentence. */
export function listMarkerFences(parts: AnswerParts = {}): ReplyScenario {
  const json = JSON.stringify(jsonValue(parts), null, 2);
  const reply = `1. \`\`\`json\n${json}\n\`\`\`\n\n2. \`\`\`python\n${parts.code ?? DEFAULT_CODE}\n\`\`\`\n\nThis code does the task.`;
  return { reply, label: "list-marker-fences" };
}

/** The fence opened at the end of a line of prose, `Here is the code: ```python`, as small
 * instruct models write it. */
export function proseFence(parts: AnswerParts = {}): ReplyScenario {
  return { reply: `${numbered(planSteps(parts))}\n\nHere is the code: \`\`\`python\n${parts.code ?? DEFAULT_CODE}\n\`\`\``, label: "prose-fence" };
}

/** Qwen2.5-Coder-0.5B's answer: numbered steps in bold, the code fenced and indented under the
 * last item ("5. **Write the Python Code:**\n   ```python\n   # Define …"). */
export function indentedFences(parts: AnswerParts = {}): ReplyScenario {
  const steps = planSteps(parts).map((s, i) => `${i + 1}. **${s}:**`);
  const code = (parts.code ?? DEFAULT_CODE)
    .split("\n")
    .map((l) => (l ? `   ${l}` : l))
    .join("\n");
  const reply = `${steps.join("\n")}\n${steps.length + 1}. **Write the Python Code:**\n   \`\`\`python\n${code}\n   \`\`\`\n\nThis code prints the result.`;
  return { reply, label: "indented-fences" };
}

/** Several python blocks: the program, then "Example usage" (real-models.md lists it; most chat
 * models do it when the program defines a function). */
export function withExampleUsage(program: string, example: string, parts: AnswerParts = {}): ReplyScenario {
  const reply = around(parts, [numbered(planSteps(parts)), "```python\n" + program + "\n```", "Example usage:", "```python\n" + example + "\n```"]);
  return { reply, label: "example-usage" };
}

/** A python block per step, each building on the one before (tutorial-style answers, as the
 * 0.5B model's numbered answer becomes when more than one step holds code). */
export function stepBlocks(steps: { step: string; code: string }[]): ReplyScenario {
  const reply = steps.map((s, i) => `${i + 1}. ${s.step}:\n\`\`\`python\n${s.code}\n\`\`\``).join("\n\n");
  return { reply, label: "step-blocks" };
}

/** Reasoning in the content, in <think> tags, before the answer: Qwen3, QwQ and DeepSeek-R1
 * through servers that do not split the reasoning off. */
export function thinkTags(reasoning: string, parts: AnswerParts = {}): ReplyScenario {
  return { reply: `<think>\n${reasoning}\n</think>\n\n${answerText(parts)}`, label: "think-tags" };
}

/** The answer begins inside the reasoning, with only a closing </think>: the chat templates of
 * DeepSeek-R1 distills and QwQ open the tag in the prompt. */
export function closingThinkOnly(reasoning: string, parts: AnswerParts = {}): ReplyScenario {
  return { reply: `${reasoning}\n</think>\n\n${answerText(parts)}`, label: "closing-think-only" };
}

/** Reasoning streamed apart, in `reasoning_content` (vLLM's reasoning parsers, DeepSeek's API,
 * llama.cpp's --reasoning-format deepseek) or `reasoning` (OpenRouter, newer vLLM). */
export function separateReasoning(reasoning: string, parts: AnswerParts = {}, field: "reasoning_content" | "reasoning" = "reasoning_content"): ReplyScenario {
  return { reply: answerText(parts), reasoning, reasoningField: field, label: `separate-reasoning:${field}` };
}

/** CRLF line ends (servers and templates on Windows; some GGUF chat templates). */
export function withCrlf(scenario: ReplyScenario): ReplyScenario {
  return { ...scenario, reply: scenario.reply.replace(/\r?\n/g, "\r\n"), label: `${scenario.label ?? "reply"}:crlf` };
}

/** The code as a tool call: `tool_calls` with `{"code": …}` arguments (models with tool training
 * behind vLLM's or Ollama's tool parsers), with `legacy` the old `function_call`, with `raw` the
 * code itself as the arguments (gpt-oss's built-in python tool). `prose` is the content before it. */
export function toolCallAnswer(code: string, options: { name?: string; legacy?: boolean; raw?: boolean; prose?: string } = {}): ReplyScenario {
  return {
    reply: options.prose ?? "",
    toolCall: { name: options.name ?? "python", arguments: options.raw ? code : JSON.stringify({ code }), legacy: options.legacy },
    label: options.legacy ? "function-call" : "tool-call",
  };
}

/** An answer in words only, with no code: models do this for tasks that sound like questions. */
export function wordsOnly(text = "The monthly payment is about $1,342.05, from the annuity formula M = P·r / (1 − (1 + r)^−n)."): ReplyScenario {
  return { reply: text, label: "words-only" };
}

/** A stream that ends mid-code with no finish_reason: llama-cpp-python with --interrupt_requests
 * (its default) cuts a stream off with [DONE] when another request arrives (real-models.md). */
export function cutOffStream(parts: AnswerParts = {}): ReplyScenario {
  const code = parts.code ?? "values = [1, 2, 3]\nfor v in values:\n    print(v *";
  return { reply: `${numbered(planSteps(parts))}\n\n\`\`\`python\n${code}`, finishReason: null, label: "cut-off-stream" };
}

/** A plain refusal with no code. */
export function refusal(text = "I can't help with that."): ReplyScenario {
  return { reply: text, label: "refusal" };
}

/** An answer with empty content. */
export function empty(): ReplyScenario {
  return { reply: "", label: "empty" };
}

/** Only a Python block (with optional prose): what a self-repair call for a traceback returns. */
export function codeOnly(code: string, prose?: { before?: string; after?: string }): ReplyScenario {
  const blocks = [prose?.before, "```python\n" + code + "\n```", prose?.after].filter(Boolean);
  return { reply: blocks.join("\n"), label: "code-only" };
}
