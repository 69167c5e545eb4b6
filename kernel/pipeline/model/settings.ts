// The model's settings: from the environment the kernel starts in (LUCI_LLM_*, declared in
// common/settings.ts), the user's default (common/user-config.ts), then per-notebook overrides
// (`%luci model ...`, parsed by the cells layer, arrives here as a ModelOverrides object),
// checked by the same rules; modelSettings() says in which order.
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

/** Where the endpoint and model came from, in the order they are chosen. */
export type ModelChoiceSource = "notebook" | "environment" | "default" | "this machine";

/** The user's default (common/user-config.ts) as the settings take it: the model, its endpoint, and the key saved for it. */
export interface SavedModel {
  model: string;
  baseUrl?: string;
  apiKey?: string;
}

/**
 * The settings task cells use. The endpoint is chosen as a whole, in this order:
 *   1. the notebook's `%luci model … --base-url` (overrides.baseUrl);
 *   2. LUCI_LLM_BASE_URL where the kernel started (an explicit setting wins over a remembered one);
 *   3. the user's default (`saved`: the page's model menu, `%luci model NAME --default`);
 *   4. none: discovery.ts looks on this machine (LM Studio, Ollama, then Luci's own model).
 * The model is the notebook's name when it gave one, else the chosen layer's. The key is the one
 * given with the endpoint, the one saved for that endpoint (`keyFor`), else LUCI_LLM_API_KEY / OPENAI_API_KEY.
 */
export function modelSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ModelOverrides = {},
  saved?: SavedModel,
  keyFor?: (baseUrl: string) => string | undefined,
): ModelSettings {
  return chooseModel(env, overrides, saved, keyFor).settings;
}

/** modelSettings(), and which layer chose the endpoint. */
export function chooseModel(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ModelOverrides = {},
  saved?: SavedModel,
  keyFor: (baseUrl: string) => string | undefined = () => undefined,
): { settings: ModelSettings; source: ModelChoiceSource } {
  const fromEnv: ModelSettings = {
    baseUrl: setting(env, "LUCI_LLM_BASE_URL", ModelSettingsError),
    model: setting(env, "LUCI_LLM_MODEL", ModelSettingsError),
    apiKey: setting(env, "LUCI_LLM_API_KEY", ModelSettingsError) ?? (env.OPENAI_API_KEY?.trim() || undefined),
    temperature: setting(env, "LUCI_LLM_TEMPERATURE", ModelSettingsError),
    maxTokens: setting(env, "LUCI_LLM_MAX_TOKENS", ModelSettingsError),
    timeoutSeconds: setting(env, "LUCI_LLM_TIMEOUT", ModelSettingsError),
  };
  let endpoint: Pick<ModelSettings, "baseUrl" | "model" | "apiKey">;
  let source: ModelChoiceSource;
  if (overrides.baseUrl !== undefined) {
    const baseUrl = valid(checkSetting("LUCI_LLM_BASE_URL", overrides.baseUrl, "the base URL"));
    endpoint = { baseUrl, model: fromEnv.model, apiKey: (baseUrl === undefined ? undefined : keyFor(baseUrl)) ?? fromEnv.apiKey };
    source = "notebook";
  } else if (fromEnv.baseUrl !== undefined) {
    endpoint = fromEnv;
    source = "environment";
  } else if (saved) {
    const baseUrl = saved.baseUrl === undefined ? undefined : valid(checkSetting("LUCI_LLM_BASE_URL", saved.baseUrl, "the default's base URL"));
    endpoint = { baseUrl, model: saved.model, apiKey: saved.apiKey ?? fromEnv.apiKey };
    source = "default";
  } else {
    endpoint = { model: fromEnv.model, apiKey: fromEnv.apiKey };
    source = overrides.model !== undefined ? "notebook" : "this machine";
  }
  const merged: ModelSettings = {
    baseUrl: endpoint.baseUrl,
    model: overrides.model ?? endpoint.model,
    apiKey: overrides.apiKey ?? endpoint.apiKey,
    temperature: overrides.temperature ?? fromEnv.temperature,
    maxTokens: overrides.maxTokens ?? fromEnv.maxTokens,
    timeoutSeconds: overrides.timeoutSeconds ?? fromEnv.timeoutSeconds,
  };
  valid(checkSetting("LUCI_LLM_TEMPERATURE", String(merged.temperature), "the temperature"));
  if (merged.maxTokens !== undefined) valid(checkSetting("LUCI_LLM_MAX_TOKENS", String(merged.maxTokens), "the maximum number of tokens"));
  valid(checkSetting("LUCI_LLM_TIMEOUT", String(merged.timeoutSeconds), "the timeout"));
  return { settings: merged, source };
}

function valid<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new ModelSettingsError(parsed.message);
  return parsed.value;
}

const SOURCE_WORDS: Record<ModelChoiceSource, string> = {
  notebook: "chosen in this notebook",
  environment: "LUCI_LLM_BASE_URL",
  default: "your default",
  "this machine": "nothing chosen",
};

/** The settings in words, for `%luci model` and for logs: the key shows only as "set" or "not set". */
export function describeSettings(settings: ModelSettings, source?: ModelChoiceSource): string {
  return [
    `endpoint: ${settings.baseUrl ?? "not set (looks for LM Studio or Ollama on this machine)"}${source ? ` (${SOURCE_WORDS[source]})` : ""}`,
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
