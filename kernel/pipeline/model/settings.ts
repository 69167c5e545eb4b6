// The model's settings: from the environment the kernel starts in (LUCI_LLM_*, declared in
// common/settings.ts), then per-notebook overrides (`%luci model ...`, parsed by the cells layer,
// arrives here as a ModelOverrides object), checked by the same rules.
//   LUCI_LLM_BASE_URL     an OpenAI-compatible endpoint, e.g. http://localhost:1234/v1. Unset:
//                         look for a local LM Studio or Ollama (discovery.ts). A remote service
//                         (OpenAI itself too) is used only when named here: an OPENAI_API_KEY
//                         lying in the environment never sends a notebook's context anywhere.
//   LUCI_LLM_API_KEY      the key, else OPENAI_API_KEY; local servers need none
//   LUCI_LLM_TIMEOUT      seconds without any data from the server (before the answer starts, or
//                         between two pieces of a streamed answer) after which the call fails.
//                         Default 120: a local server may first load the model. It is not a
//                         limit on the whole answer, so a slow but steady model is never cut off.
// The key is a secret: it is never part of a message, log line or error text. redactKey()
// removes it from any text that came from elsewhere (a server's error message may quote it).
// A value that cannot be used is a ModelSettingsError that names it.
import { CellFailure } from "../../common/cell-failure.js";
import { checkSetting, SETTINGS, setting, type Parsed } from "../../common/settings.js";

export interface ModelSettings {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  temperature: number;
  maxTokens?: number;
  timeoutSeconds: number;
}

export type ModelOverrides = Partial<ModelSettings>;

export const DEFAULT_TEMPERATURE = SETTINGS.LUCI_LLM_TEMPERATURE.fallback;

/** A setting with a value that cannot be used; the message names the variable and the value. */
export class ModelSettingsError extends CellFailure {
  constructor(message: string) {
    super("ModelSettingsError", message);
  }
}

export function modelSettings(env: NodeJS.ProcessEnv = process.env, overrides: ModelOverrides = {}): ModelSettings {
  const fromEnv: ModelSettings = {
    baseUrl: setting(env, "LUCI_LLM_BASE_URL", ModelSettingsError),
    model: setting(env, "LUCI_LLM_MODEL", ModelSettingsError),
    apiKey: setting(env, "LUCI_LLM_API_KEY", ModelSettingsError) ?? (env.OPENAI_API_KEY?.trim() || undefined),
    temperature: setting(env, "LUCI_LLM_TEMPERATURE", ModelSettingsError),
    maxTokens: setting(env, "LUCI_LLM_MAX_TOKENS", ModelSettingsError),
    timeoutSeconds: setting(env, "LUCI_LLM_TIMEOUT", ModelSettingsError),
  };
  const merged: ModelSettings = {
    baseUrl: fromEnv.baseUrl,
    model: overrides.model ?? fromEnv.model,
    apiKey: overrides.apiKey ?? fromEnv.apiKey,
    temperature: overrides.temperature ?? fromEnv.temperature,
    maxTokens: overrides.maxTokens ?? fromEnv.maxTokens,
    timeoutSeconds: overrides.timeoutSeconds ?? fromEnv.timeoutSeconds,
  };
  if (overrides.baseUrl !== undefined) merged.baseUrl = valid(checkSetting("LUCI_LLM_BASE_URL", overrides.baseUrl, "the base URL"));
  valid(checkSetting("LUCI_LLM_TEMPERATURE", String(merged.temperature), "the temperature"));
  if (merged.maxTokens !== undefined) valid(checkSetting("LUCI_LLM_MAX_TOKENS", String(merged.maxTokens), "the maximum number of tokens"));
  valid(checkSetting("LUCI_LLM_TIMEOUT", String(merged.timeoutSeconds), "the timeout"));
  return merged;
}

function valid<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new ModelSettingsError(parsed.message);
  return parsed.value;
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
