// The body of POST /v1/chat/completions, checked and reduced to what the server honours:
// messages (system, developer, user, assistant; text or text parts), stream and
// stream_options.include_usage, max_tokens / max_completion_tokens, temperature, top_p, stop,
// seed. Anything else OpenAI defines is accepted and ignored, as other local servers do; what
// cannot be honoured (images, tool results, n > 1) is refused. Errors are values, each naming
// the parameter at fault, as OpenAI's 400 answers do.
import { isObject } from "../../common/json-file.js";
import type { ChatMessage, ChatRole } from "./chat-backend.js";

export interface ChatCompletionRequest {
  model: string | undefined;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  temperature: number;
  topP: number | undefined;
  stop: string[];
  seed: number | undefined;
}

type RequestError = { ok: false; message: string; param: string | null };
export type ParsedRequest = { ok: true; request: ChatCompletionRequest } | RequestError;

/** llama.cpp's server uses 0.8 when a request names no temperature; so does this one. */
const DEFAULT_TEMPERATURE = 0.8;

const ROLES: Record<string, ChatRole> = { system: "system", developer: "system", user: "user", assistant: "assistant" };

export function parseChatRequest(body: unknown): ParsedRequest {
  if (!isObject(body)) return fail("The body must be a JSON object.", null);
  const input = body;

  if (!Array.isArray(input.messages) || input.messages.length === 0) return fail("'messages' must be a non-empty array.", "messages");
  const messages: ChatMessage[] = [];
  for (const [i, item] of input.messages.entries()) {
    const message = parseMessage(item, `messages[${i}]`);
    if (!message.ok) return message;
    messages.push(message.message);
  }

  const model = optionalString(input.model);
  if (model === null) return fail("'model' must be a string.", "model");
  const stream = optionalBoolean(input.stream);
  if (stream === null) return fail("'stream' must be a boolean.", "stream");
  let includeUsage = false;
  if (input.stream_options !== undefined && input.stream_options !== null) {
    if (!isObject(input.stream_options)) return fail("'stream_options' must be an object.", "stream_options");
    const flag = optionalBoolean(input.stream_options.include_usage);
    if (flag === null) return fail("'stream_options.include_usage' must be a boolean.", "stream_options.include_usage");
    includeUsage = flag ?? false;
  }

  const maxTokensParam = input.max_completion_tokens !== undefined && input.max_completion_tokens !== null ? "max_completion_tokens" : "max_tokens";
  const maxTokens = optionalNumber(input[maxTokensParam]);
  if (maxTokens === null || (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1))) {
    return fail(`'${maxTokensParam}' must be a whole number of at least 1.`, maxTokensParam);
  }
  const temperature = optionalNumber(input.temperature);
  if (temperature === null || (temperature !== undefined && (temperature < 0 || temperature > 2))) {
    return fail("'temperature' must be a number from 0 to 2.", "temperature");
  }
  const topP = optionalNumber(input.top_p);
  if (topP === null || (topP !== undefined && (topP <= 0 || topP > 1))) return fail("'top_p' must be a number above 0 and at most 1.", "top_p");
  const seed = optionalNumber(input.seed);
  if (seed === null || (seed !== undefined && !Number.isInteger(seed))) return fail("'seed' must be a whole number.", "seed");
  const n = optionalNumber(input.n);
  if (n === null || (n !== undefined && n !== 1)) return fail("Only n = 1 is supported.", "n");

  const stop = parseStop(input.stop);
  if (!stop) return fail("'stop' must be a string or an array of at most 4 strings.", "stop");

  return {
    ok: true,
    request: {
      model,
      messages,
      stream: stream ?? false,
      includeUsage,
      maxTokens,
      temperature: temperature ?? DEFAULT_TEMPERATURE,
      topP,
      stop,
      seed,
    },
  };
}

function parseMessage(item: unknown, where: string): { ok: true; message: ChatMessage } | RequestError {
  if (!isObject(item)) return fail(`'${where}' must be an object.`, where);
  const { role, content } = item;
  const mapped = typeof role === "string" ? ROLES[role] : undefined;
  if (!mapped) {
    return fail(`'${where}.role' must be system, developer, user or assistant (got ${JSON.stringify(role)}).`, `${where}.role`);
  }
  const text = contentText(content);
  if (text === undefined) return fail(`'${where}.content' must be a string or an array of text parts.`, `${where}.content`);
  return { ok: true, message: { role: mapped, content: text } };
}

/** A string, or OpenAI's array of parts when every part is text. */
function contentText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  if (!Array.isArray(content)) return undefined;
  let text = "";
  for (const part of content) {
    if (!isObject(part)) return undefined;
    const { type, text: partText } = part;
    if (type !== "text" || typeof partText !== "string") return undefined;
    text += partText;
  }
  return text;
}

function parseStop(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return [];
  if (typeof stop === "string") return stop ? [stop] : [];
  if (!Array.isArray(stop) || stop.length > 4 || !stop.every((s) => typeof s === "string")) return undefined;
  return stop.filter((s) => s !== "");
}

// Each gives the value when it is of the type, undefined when absent (or null), null when it
// is of another type.
function optionalString(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : null;
}

function optionalNumber(value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function optionalBoolean(value: unknown): boolean | undefined | null {
  if (value === undefined || value === null) return undefined;
  return typeof value === "boolean" ? value : null;
}

function fail(message: string, param: string | null): RequestError {
  return { ok: false, message, param };
}
