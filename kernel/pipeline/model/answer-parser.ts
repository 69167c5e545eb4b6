// A tolerant parser for the model's answer to a new task.
//
// The format (prompt.ts asks for it; capabilities.ts says why it is free text and not JSON):
//   ```json
//   {"analysis": {...}, "plan": {"steps": [...]}}
//   ```
//   ```python
//   <the code>
//   ```
// Real models, small local ones above all, stray from it. The parser takes, in order:
//   - <think>…</think> blocks removed (reasoning models);
//   - the JSON from a ```json fence, from a fence of another name that holds an object, or bare
//     in the prose (the first balanced {...} that has analysis/plan keys);
//   - the code from ```python / ```py / ``` fences (several are joined in order), else from a
//     `code`/`python` string in the JSON, else recognised in the text with no fences at all;
//   - no code and words of refusal -> ModelRefused with the model's words; no code otherwise ->
//     AnswerFormatError;
//   - JSON that does not parse -> a local repair first (trailing commas, single quotes, comments,
//     Python literals, unquoted keys, missing commas, a truncated end); what stays broken is
//     reported as `needs_repair`, and the caller makes ONE repair call built by repairPrompt();
//   - JSON that parses -> light normalisation (US spelling, "simple" for "low", missing step
//     numbers, a string where a list belongs) then zod; a shape zod rejects is reported with a
//     zod message written to be pasted into that repair call.
// Where each step lives: answer-text.ts (thinking, fences, bare JSON), unfenced-code.ts,
// lenient-json.ts (the local repair), answer-check.ts (normalisation and zod), repair-prompt.ts
// (the repair call); the shape itself is in answer-schema.ts.
import type { ZodError } from "zod";
import { checkAnalysisAndPlan } from "./answer-check.js";
import type { TaskAnswer } from "./answer-schema.js";
import { JSON_LANGS, PYTHON_LANGS, fencedBlocks, findBareJson, hasOurKeys, removeSpans, stripThinking, type Block } from "./answer-text.js";
import { AnswerFormatError, ModelRefused, clip } from "./errors.js";
import { parseJsonLeniently } from "./lenient-json.js";
import { looksLikePython, unfencedCode } from "./unfenced-code.js";

export type JsonProblem = "json_missing" | "json_broken" | "json_shape";

export type ParsedAnswer =
  | { ok: true; answer: TaskAnswer }
  | {
      ok: false;
      problem: JsonProblem;
      /** In words, for the repair call and for the cell. */
      message: string;
      /** The code, which is fine: the repair call asks for the JSON only. */
      code: string;
      /** The JSON text as the model wrote it (the whole answer when there was none). */
      jsonText: string;
      zodError?: ZodError;
      notes: string[];
    };

/** Reads an answer. Throws ModelRefused (no code, words of refusal) or AnswerFormatError (no code). */
export function parseAnswer(text: string): ParsedAnswer {
  const notes: string[] = [];
  const cleaned = stripThinking(text);
  const blocks = fencedBlocks(cleaned);

  // The JSON: a json fence, then any fence that holds an object with our keys, then bare.
  let jsonText: string | undefined;
  let jsonBlock: Block | undefined = blocks.find((b) => JSON_LANGS.has(b.lang));
  if (!jsonBlock) jsonBlock = blocks.find((b) => b.content.trimStart().startsWith("{") && hasOurKeys(b.content));
  let bare: { start: number; end: number } | undefined;
  if (jsonBlock) jsonText = jsonBlock.content.trim();
  else {
    bare = findBareJson(cleaned, blocks);
    if (bare) jsonText = cleaned.slice(bare.start, bare.end).trim();
  }

  // The code: python fences, joined; else a code string inside the JSON; else unfenced.
  const codeBlocks = blocks.filter(
    (b) => b !== jsonBlock && (PYTHON_LANGS.has(b.lang) || (b.lang === "" && looksLikePython(b.content))),
  );
  let code = codeBlocks.map((b) => b.content.replace(/\s+$/, "")).join("\n\n");
  if (codeBlocks.some((b) => !b.closed)) notes.push("the python block has no closing fence (the answer may have been cut short)");

  let value: unknown;
  let jsonError: string | undefined;
  if (jsonText !== undefined) {
    const parsed = parseJsonLeniently(jsonText);
    if (parsed.ok) {
      value = parsed.value;
      if (parsed.fixes.length) notes.push(`JSON repaired locally: ${parsed.fixes.join(", ")}`);
    } else jsonError = parsed.error;
  }

  if (!code.trim() && value && typeof value === "object") {
    const inJson = codeInJson(value as Record<string, unknown>);
    if (inJson) {
      code = inJson;
      notes.push("the code came inside the JSON");
    }
  }
  if (!code.trim()) {
    let rest = removeSpans(cleaned, [
      ...blocks.map((b) => ({ start: b.start, end: b.end })),
      ...(bare ? [bare] : []),
    ]);
    const found = unfencedCode(rest);
    if (found) {
      code = found;
      notes.push("the code had no fences");
    } else {
      rest = rest.trim();
      const words = rest || cleaned.trim();
      if (isRefusal(words)) throw new ModelRefused(words);
      if (!cleaned.trim()) throw new AnswerFormatError("The model's answer was empty.");
      throw new AnswerFormatError(
        `The model's answer has no Python code. It began: ${JSON.stringify(clip(cleaned, 300))}`,
      );
    }
  }
  code = code.replace(/^\s*\n/, "").replace(/\s+$/, "") + "\n";

  if (jsonText === undefined) {
    return {
      ok: false,
      problem: "json_missing",
      message: "The answer has no JSON with the analysis and the plan.",
      code,
      jsonText: cleaned,
      notes,
    };
  }
  if (jsonError !== undefined) {
    return {
      ok: false,
      problem: "json_broken",
      message: `The JSON with the analysis and the plan does not parse: ${jsonError}`,
      code,
      jsonText,
      notes,
    };
  }
  const checked = checkAnalysisAndPlan(value);
  if (!checked.ok) {
    return {
      ok: false,
      problem: "json_shape",
      message: `The JSON with the analysis and the plan has the wrong shape:\n${checked.message}`,
      code,
      jsonText,
      zodError: checked.error,
      notes,
    };
  }
  return { ok: true, answer: { ...checked.value, code, notes } };
}

function codeInJson(value: Record<string, unknown>): string | undefined {
  for (const key of ["code", "python", "python_code", "script"]) {
    const v = value[key];
    if (typeof v === "string" && v.trim()) return stripFences(v);
  }
  return undefined;
}

function stripFences(code: string): string {
  const blocks = fencedBlocks(code);
  return blocks.length ? blocks.map((b) => b.content).join("\n\n") : code;
}

const REFUSAL =
  /\b(I\s+(can(?:'|’)?t|cannot|can not|won(?:'|’)?t|will not|am unable to|am not able to|must decline)|I'm\s+(unable|not able|sorry,? but)|As an AI|I apologi[sz]e,? but|I'm afraid I)\b/i;

function isRefusal(text: string): boolean {
  return REFUSAL.test(text);
}
