// The model's settings: from the environment the kernel starts in, then per-notebook overrides
// (`%luci model ...`, parsed by the cells layer, arrives here as a ModelOverrides object).
//   LUCI_LLM_BASE_URL     an OpenAI-compatible endpoint, e.g. http://localhost:1234/v1. Unset:
//                         look for a local LM Studio or Ollama (discovery.ts). A remote service
//                         (OpenAI itself too) is used only when named here: an OPENAI_API_KEY
//                         lying in the environment never sends a notebook's context anywhere.
//   LUCI_LLM_MODEL        the model; unset: the first model the endpoint lists
//   LUCI_LLM_API_KEY      the key, else OPENAI_API_KEY; local servers need none
//   LUCI_LLM_TEMPERATURE  default 0.1
//   LUCI_LLM_MAX_TOKENS   default: the server's own
//   LUCI_LLM_TIMEOUT      seconds without any data from the server (before the answer starts, or
//                         between two pieces of a streamed answer) after which the call fails.
//                         Default 120: a local server may first load the model. It is not a
//                         limit on the whole answer, so a slow but steady model is never cut off.
// The key is a secret: it is never part of a message, log line or error text. redactKey()
// removes it from any text that came from elsewhere (a server's error message may quote it).
import { CellFailure } from "../../core/cell-failure.js";

export interface ModelSettings {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  temperature: number;
  maxTokens?: number;
  timeoutSeconds: number;
}

export type ModelOverrides = Partial<ModelSettings>;

export const DEFAULT_TEMPERATURE = 0.1;
export const DEFAULT_TIMEOUT_SECONDS = 120;

/** A setting with a value that cannot be used; the message names the variable and the value. */
export class ModelSettingsError extends CellFailure {
  constructor(message: string) {
    super("ModelSettingsError", message);
  }
}

export function modelSettings(env: NodeJS.ProcessEnv = process.env, overrides: ModelOverrides = {}): ModelSettings {
  const fromEnv: ModelSettings = {
    baseUrl: normaliseBaseUrl(env.LUCI_LLM_BASE_URL, "LUCI_LLM_BASE_URL"),
    model: env.LUCI_LLM_MODEL?.trim() || undefined,
    apiKey: env.LUCI_LLM_API_KEY?.trim() || env.OPENAI_API_KEY?.trim() || undefined,
    temperature: numberSetting(env.LUCI_LLM_TEMPERATURE, "LUCI_LLM_TEMPERATURE", 0, 2) ?? DEFAULT_TEMPERATURE,
    maxTokens: integerSetting(env.LUCI_LLM_MAX_TOKENS, "LUCI_LLM_MAX_TOKENS"),
    timeoutSeconds: numberSetting(env.LUCI_LLM_TIMEOUT, "LUCI_LLM_TIMEOUT", 0.001, 86_400) ?? DEFAULT_TIMEOUT_SECONDS,
  };
  const merged: ModelSettings = { ...fromEnv };
  for (const [key, value] of Object.entries(overrides) as [keyof ModelSettings, unknown][]) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  if (overrides.baseUrl !== undefined) merged.baseUrl = normaliseBaseUrl(overrides.baseUrl, "the base URL");
  checkRange(merged.temperature, "the temperature", 0, 2);
  if (merged.maxTokens !== undefined && !(Number.isInteger(merged.maxTokens) && merged.maxTokens > 0)) {
    throw new ModelSettingsError(`the maximum number of tokens must be a whole number above 0, not ${merged.maxTokens}`);
  }
  checkRange(merged.timeoutSeconds, "the timeout", 0.001, 86_400);
  return merged;
}

/** The settings in words, for `%luci model` and for logs: the key shows only as "set" or "not set". */
export function describeSettings(settings: ModelSettings): string {
  return [
    `endpoint: ${settings.baseUrl ?? "not set (looks for LM Studio or Ollama on this machine)"}`,
    `model: ${settings.model ?? "not set (the first model the endpoint lists)"}`,
    `API key: ${settings.apiKey ? "set" : "not set"}`,
    `temperature: ${settings.temperature}`,
    `max tokens: ${settings.maxTokens ?? "the server's default"}`,
    `timeout: ${settings.timeoutSeconds} s without data`,
  ].join("\n");
}

/** Removes the key (and any bearer token) from text that is about to be shown or logged. */
export function redactKey(text: string, apiKey: string | undefined): string {
  let out = text;
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join("[redacted]");
  // Servers and proxies sometimes echo the header, or a prefix of the key ("sk-abc...xyz").
  out = out.replace(/(Bearer\s+)[^\s"',;]+/gi, "$1[redacted]");
  if (apiKey && apiKey.length >= 12) {
    const head = escapeRegExp(apiKey.slice(0, 8));
    out = out.replace(new RegExp(`${head}[^\\s"',;]*`, "g"), "[redacted]");
  }
  return out;
}

function normaliseBaseUrl(value: string | undefined, what: string): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ModelSettingsError(`${what} must be a URL such as http://localhost:1234/v1, not ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ModelSettingsError(`${what} must start with http:// or https://, not ${JSON.stringify(text)}`);
  }
  // Credentials in the URL would be shown wherever the URL is: refuse them.
  if (url.username || url.password) {
    throw new ModelSettingsError(`${what} must not contain a user name or password; use LUCI_LLM_API_KEY for the key`);
  }
  return text.replace(/\/+$/, "");
}

function numberSetting(value: string | undefined, name: string, min: number, max: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const number = Number(text);
  if (!Number.isFinite(number)) throw new ModelSettingsError(`${name} must be a number, not ${JSON.stringify(text)}`);
  checkRange(number, name, min, max);
  return number;
}

function integerSetting(value: string | undefined, name: string): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const number = Number(text);
  if (!Number.isInteger(number) || number <= 0) {
    throw new ModelSettingsError(`${name} must be a whole number above 0, not ${JSON.stringify(text)}`);
  }
  return number;
}

function checkRange(value: number, what: string, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new ModelSettingsError(`${what} must be between ${min} and ${max}, not ${value}`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
