// Which structured output an endpoint gives, found out once per endpoint (base URL + model) and
// kept in memory for the kernel's life: json_schema, else json_object, else none (the prompt
// alone, read by the tolerant parser).
//
// WHERE STRUCTURED OUTPUT IS USED, AND WHY (the choice point 3 of the design asks for).
// The answer to a new task holds two things: the analysis and plan as JSON, and the code as a
// fenced Python block, never inside JSON (Aider's benchmark: models write worse code, with more
// escaping mistakes, inside JSON strings, even under strict schemas). `response_format` cannot
// express that answer: json_schema and json_object constrain the WHOLE reply to one JSON
// document (a grammar that ends at the closing brace), so a server that honours them leaves no
// room for the Python block. The choices were:
//   a. the whole answer as JSON, code in a string field: breaks the "never inside JSON" rule,
//      costs code quality on exactly the small local models Luci targets;
//   b. two calls per task, a structured one for analysis + plan, a free one for the code:
//      doubles the time to first code and breaks "one model call per new task";
//   c. one free-text call for the task (JSON fence + Python fence, the schema and an example
//      repeated in the prompt, as the llama.cpp and vLLM docs advise), and structured output for
//      the calls whose whole answer IS JSON: above all the one repair call that broken or
//      misshapen JSON gets, where a grammar that forces the schema is worth most.
// Luci takes (c). A new task costs one call, two at the most (the repair), the code is never in
// JSON, and the schema is enforced by the server where it can be, at the moment it matters.
// ModelClient.generate applies this file to any request that carries a `schema`; a request
// without one (the task call) is sent with no response_format and reports structured "none".
//
// How it is found out: no separate probe (a probe would cost a generation). The first
// structured request to an endpoint carries json_schema; a 400 or 422 (the server rejects the
// field) is retried at once with json_object, then with none; the mode that worked is kept.
// An answer that is not a JSON document although a format was sent means the server ignored
// it (Ollama Cloud, some llama.cpp chat templates): that answer is still used (the prompt asked
// for the same JSON), and the next request to that endpoint starts one step lower. A failure
// for other reasons records nothing.
import type { StructuredMode } from "./types.js";

const known = new Map<string, StructuredMode>();

export interface JsonSchemaSpec {
  name: string;
  schema: Record<string, unknown>;
}

export function endpointKey(baseUrl: string, model: string): string {
  return `${baseUrl.replace(/\/+$/, "")}\n${model}`;
}

/** The mode to try first for this endpoint: the one found before, else json_schema. */
export function startingMode(key: string): StructuredMode {
  return known.get(key) ?? "json_schema";
}

export function knownMode(key: string): StructuredMode | undefined {
  return known.get(key);
}

export function recordMode(key: string, mode: StructuredMode): void {
  known.set(key, mode);
}

/** Forgets every endpoint (for tests, and for `%luci model` when the server changed). */
export function forgetCapabilities(key?: string): void {
  if (key === undefined) known.clear();
  else known.delete(key);
}

export function lowerMode(mode: StructuredMode): StructuredMode | undefined {
  return mode === "json_schema" ? "json_object" : mode === "json_object" ? "none" : undefined;
}

/** The request's response_format for a mode (undefined: send none). */
export function responseFormat(mode: StructuredMode, spec: JsonSchemaSpec): Record<string, unknown> | undefined {
  if (mode === "json_schema") return { type: "json_schema", json_schema: { name: spec.name, schema: spec.schema, strict: true } };
  if (mode === "json_object") return { type: "json_object" };
  return undefined;
}

/** True when a rejected request says the server does not take the response_format. */
export function isFormatRejection(status: number | undefined, message: string): boolean {
  if (status !== 400 && status !== 422) return false;
  // A prompt too long for the context is a 400 too, and no lower mode would help it.
  return !/context (length|window)|maximum context|too many tokens|too long/i.test(message);
}

/** True when the text is what a server that honoured the format gives: a bare JSON object
 * (perhaps cut short by max tokens), with no prose and no fence before it. */
export function isJsonDocument(text: string): boolean {
  const body = text.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, "").trim();
  return body.startsWith("{") || body.startsWith("[");
}

export interface StructuredAttemptFailure {
  status?: number;
  message: string;
}

/** Runs `attempt` with the endpoint's mode, falling back on rejection; records what worked. */
export async function withStructuredOutput<T>(
  key: string,
  attempt: (mode: StructuredMode) => Promise<T>,
  textOf: (result: T) => string,
  failureOf: (err: unknown) => StructuredAttemptFailure | undefined,
): Promise<{ result: T; mode: StructuredMode }> {
  let mode = startingMode(key);
  for (;;) {
    let result: T;
    try {
      result = await attempt(mode);
    } catch (err) {
      const failure = failureOf(err);
      const lower = lowerMode(mode);
      if (failure && lower && isFormatRejection(failure.status, failure.message)) {
        mode = lower;
        continue;
      }
      throw err;
    }
    if (mode !== "none" && !isJsonDocument(textOf(result))) recordMode(key, lowerMode(mode) ?? "none");
    else recordMode(key, mode);
    return { result, mode };
  }
}
