// The one repair call, made when an answer's JSON is missing, broken or the wrong shape (the
// code is kept): the messages that ask for the JSON again, and the reading of the reply.
import type { ZodError } from "zod";
import { checkAnalysisAndPlan, describeZodError } from "./answer-check.js";
import { ANALYSIS_AND_PLAN_JSON_SCHEMA, EXAMPLE_ANALYSIS_AND_PLAN, type AnalysisAndPlan } from "./answer-schema.js";
import { JSON_LANGS, fencedBlocks, findBareJson, stripThinking } from "./answer-text.js";
import { AnswerFormatError, clip } from "./errors.js";
import { parseJsonLeniently } from "./lenient-json.js";
import type { ChatMessage } from "./types.js";

/** The messages for the one repair call: the broken JSON, what is wrong, and the schema. The
 * answer is JSON only, so this call may use response_format (json_schema / json_object). */
export function repairPrompt(brokenText: string, zodError: ZodError | string): ChatMessage[] {
  const problem = typeof zodError === "string" ? zodError : describeZodError(zodError);
  return [
    {
      role: "system",
      content:
        "You correct JSON. Reply with one JSON object and nothing else: no prose, no code fences. " +
        "It must have exactly this shape (JSON Schema):\n" +
        JSON.stringify(ANALYSIS_AND_PLAN_JSON_SCHEMA) +
        "\nFor example:\n" +
        JSON.stringify(EXAMPLE_ANALYSIS_AND_PLAN),
    },
    {
      role: "user",
      content:
        `This JSON, the analysis and plan of a task, is not valid:\n${clip(brokenText, 6000)}\n\n` +
        `What is wrong:\n${problem}\n\n` +
        "Write it again, corrected, keeping its meaning. JSON only.",
    },
  ];
}

/** Reads the repair call's answer. Throws AnswerFormatError, in plain words, when it is still unusable. */
export function parseRepairedJson(text: string): AnalysisAndPlan {
  const cleaned = stripThinking(text);
  const blocks = fencedBlocks(cleaned);
  const block = blocks.find((b) => JSON_LANGS.has(b.lang) || b.content.trimStart().startsWith("{"));
  let jsonText = block?.content;
  if (jsonText === undefined) {
    const bare = findBareJson(cleaned, blocks, false);
    jsonText = bare ? cleaned.slice(bare.start, bare.end) : undefined;
  }
  if (jsonText === undefined) {
    throw new AnswerFormatError(
      `The model did not give a usable analysis and plan, even when asked again: its answer has no JSON (${JSON.stringify(clip(cleaned, 200))}).`,
    );
  }
  const parsed = parseJsonLeniently(jsonText);
  if (!parsed.ok) {
    throw new AnswerFormatError(
      `The model did not give a usable analysis and plan, even when asked again: its JSON does not parse (${parsed.error}).`,
    );
  }
  const checked = checkAnalysisAndPlan(parsed.value);
  if (!checked.ok) {
    throw new AnswerFormatError(
      `The model did not give a usable analysis and plan, even when asked again:\n${checked.message}`,
    );
  }
  return checked.value;
}
