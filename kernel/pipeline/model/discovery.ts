// Which endpoint and model to use, in this order:
//   1. the configured endpoint: `%luci model … --base-url`, else LUCI_LLM_BASE_URL (with no model
//      named, the first model it lists);
//   2. a local LM Studio (127.0.0.1:1234) or Ollama (127.0.0.1:11434), asked `GET /v1/models` at
//      the same time, each with a short timeout (300 ms: a local server that listens answers in a
//      few); the first in that order that answers with a chat model (embedding models are
//      skipped) is used;
//   3. Luci's own model (own-model.ts): pulled on first use, its server found or started; a
//      model name that is one of Luci's own (`%luci model qwen2.5-coder-0.5b`) goes straight there.
// With LUCI_LOCAL_MODEL=off and nothing found: ModelNotConfigured, whose message says how to set one.
// Uses the global fetch, so the `openai` package is not loaded for this.
import { errorCode, errorMessage } from "../../common/errors.js";
import { isObject } from "../../common/json-file.js";
import { ModelNotConfigured, ModelUnavailable } from "./errors.js";
import { ownModelChoice, ownModelEndpoint, type EndpointSetup } from "./own-model.js";
import { redactKey, type ModelSettings } from "./settings.js";

export interface LocalServer {
  name: string;
  baseUrl: string;
}

export const LOCAL_SERVERS: readonly LocalServer[] = [
  { name: "LM Studio", baseUrl: "http://127.0.0.1:1234/v1" },
  { name: "Ollama", baseUrl: "http://127.0.0.1:11434/v1" },
];

export interface Endpoint {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** "LM Studio", "Ollama", "Luci's own model", or "settings" when it was configured. */
  source: string;
}

export interface DiscoveryOptions {
  /** The servers to look for, in order of preference (tests give their own ports). */
  servers?: readonly LocalServer[];
  /** Per server, in ms (default 300). */
  timeoutMs?: number;
  /** LUCI_LOCAL_MODEL and the model store's settings (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The endpoint for these settings: the configured one, else one found on this machine. */
export async function resolveEndpoint(settings: ModelSettings, options: DiscoveryOptions = {}, setup: EndpointSetup = {}): Promise<Endpoint> {
  if (settings.baseUrl) {
    if (settings.model) return { baseUrl: settings.baseUrl, model: settings.model, apiKey: settings.apiKey, source: "settings" };
    const listed = await listModels(settings.baseUrl, settings.apiKey, Math.max(options.timeoutMs ?? 0, 5000));
    if (!listed.ok) {
      throw new ModelUnavailable(
        `No model is set (LUCI_LLM_MODEL) and the model server at ${settings.baseUrl} could not list its models: ${redactKey(listed.reason, settings.apiKey)}. ` +
          "Set LUCI_LLM_MODEL, or use `%luci model NAME`.",
        settings.baseUrl,
        listed.status,
      );
    }
    const model = firstChatModel(listed.models);
    if (!model) {
      throw new ModelUnavailable(`The model server at ${settings.baseUrl} lists no chat model. Load one there, or set LUCI_LLM_MODEL.`, settings.baseUrl);
    }
    return { baseUrl: settings.baseUrl, model, apiKey: settings.apiKey, source: "settings" };
  }
  const env = options.env ?? process.env;
  const own = ownModelChoice(env, settings.model);
  if (settings.model && own.kind === "catalogue" && own.entry.name === settings.model) return ownModelEndpoint(own, env, setup);
  let seen: string[];
  try {
    return await discoverLocalModel(settings, options);
  } catch (err) {
    if (!(err instanceof ModelNotConfigured)) throw err;
    seen = err.seen;
  }
  if (own.kind === "off") throw new ModelNotConfigured(notConfiguredMessage([...seen, "Luci's own model: off (LUCI_LOCAL_MODEL=off)"]), seen);
  return ownModelEndpoint(own, env, setup);
}

/** Looks for a local LM Studio or Ollama; throws ModelNotConfigured when none answers with a model. */
export async function discoverLocalModel(settings: Partial<ModelSettings> = {}, options: DiscoveryOptions = {}): Promise<Endpoint> {
  const servers = options.servers ?? LOCAL_SERVERS;
  const timeoutMs = options.timeoutMs ?? 300;
  // All asked at once; taken in order of preference, so a fast answer from the first wins at once.
  const answers = servers.map((server) => listModels(server.baseUrl, undefined, timeoutMs));
  const seen: string[] = [];
  for (const [i, answer] of answers.entries()) {
    const server = servers[i]!;
    const listed = await answer;
    if (!listed.ok) {
      seen.push(`${server.name} at ${server.baseUrl}: ${listed.reason}`);
      continue;
    }
    // A model the user named is used when this server has it; else the server's first.
    const wanted = settings.model && listed.models.includes(settings.model) ? settings.model : undefined;
    const model = wanted ?? (settings.model ? undefined : firstChatModel(listed.models));
    if (!model) {
      seen.push(
        `${server.name} at ${server.baseUrl}: ${settings.model ? `has no model ${JSON.stringify(settings.model)}` : "answers but lists no chat model (load one)"}`,
      );
      continue;
    }
    return { baseUrl: server.baseUrl, model, apiKey: settings.apiKey, source: server.name };
  }
  throw new ModelNotConfigured(notConfiguredMessage(seen), seen);
}

function notConfiguredMessage(seen: string[] = []): string {
  return [
    "No model is configured for task cells, and none was found on this machine.",
    ...(seen.length ? ["Looked for:", ...seen.map((s) => `  - ${s}`)] : []),
    "To use a model, do one of these:",
    "  - Set LUCI_LLM_BASE_URL to an OpenAI-compatible endpoint (for example http://localhost:1234/v1, " +
      "or https://api.openai.com/v1), LUCI_LLM_MODEL to the model's name and, if the server needs one, " +
      "LUCI_LLM_API_KEY (or OPENAI_API_KEY), in the environment Jupyter starts the kernel in; then restart the kernel.",
    "  - Or, in this notebook: %luci model NAME --base-url URL",
    "  - Or start LM Studio (load a model and start its local server, port 1234) or Ollama " +
      "(`ollama pull qwen2.5-coder:7b`, port 11434); Luci finds them by itself.",
    "  - Or let Luci run a model of its own: unset LUCI_LOCAL_MODEL (or set it to a model of `luci model list`, " +
      "or to a .gguf file) and restart the kernel.",
    "Python cells keep working meanwhile: write Python, or start a cell with %%python.",
  ].join("\n");
}

type Listed = { ok: true; models: string[] } | { ok: false; reason: string; status?: number };

/** GET {baseUrl}/models with a timeout; never throws. */
export async function listModels(baseUrl: string, apiKey: string | undefined, timeoutMs: number): Promise<Listed> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  try {
    const response = await fetch(`${baseUrl.replace(/\/+$/, "")}/models`, {
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, reason: `answered HTTP ${response.status}`, status: response.status };
    }
    return { ok: true, models: listedIds(await response.json()).filter((id): id is string => typeof id === "string" && id.length > 0) };
  } catch (err) {
    const name = err instanceof Error ? err.name : undefined;
    if (name === "TimeoutError" || name === "AbortError") return { ok: false, reason: `no answer within ${timeoutMs} ms` };
    // fetch's own failure is a TypeError("fetch failed") whose cause is the socket's error.
    const code = err instanceof Error ? errorCode(err.cause) : undefined;
    if (code === "ECONNREFUSED") return { ok: false, reason: "nothing listening" };
    return { ok: false, reason: code ?? errorMessage(err) };
  }
}

/** The model ids of a models listing: OpenAI's `{"data": [{"id"}]}` or Ollama's `{"models": [{"model", "name"}]}`. */
function listedIds(body: unknown): unknown[] {
  if (!isObject(body)) return [];
  if (Array.isArray(body.data)) return body.data.map((m: unknown) => (isObject(m) ? m.id : undefined));
  if (Array.isArray(body.models)) return body.models.map((m: unknown) => (isObject(m) ? (m.model ?? m.name) : undefined));
  return [];
}

function firstChatModel(models: string[]): string | undefined {
  return models.find((id) => !/embed|embedding|rerank|whisper|tts/i.test(id)) ?? undefined;
}
