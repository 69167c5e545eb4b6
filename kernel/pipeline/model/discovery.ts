// Which endpoint and model to use. With LUCI_LLM_BASE_URL set, that endpoint (and, with no
// LUCI_LLM_MODEL, the first model it lists). With nothing set, a local LM Studio
// (127.0.0.1:1234) and Ollama (127.0.0.1:11434) are asked `GET /v1/models` at the same time,
// each with a short timeout (300 ms: a local server that listens answers in a few), and the
// first server in that order that answers with a model is used. Embedding models are skipped:
// they cannot chat. With nothing found: ModelNotConfigured, whose message says how to set one.
// Uses the global fetch, so the `openai` package is not loaded for this.
import { ModelNotConfigured, ModelUnavailable } from "./errors.js";
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
  /** "LM Studio", "Ollama", or "LUCI_LLM_BASE_URL" / "settings" when it was configured. */
  source: string;
}

export interface DiscoveryOptions {
  /** The servers to look for, in order of preference (tests give their own ports). */
  servers?: readonly LocalServer[];
  /** Per server, in ms (default 300). */
  timeoutMs?: number;
}

/** The endpoint for these settings: the configured one, else one found on this machine. */
export async function resolveEndpoint(settings: ModelSettings, options: DiscoveryOptions = {}): Promise<Endpoint> {
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
      throw new ModelUnavailable(
        `The model server at ${settings.baseUrl} lists no chat model. Load one there, or set LUCI_LLM_MODEL.`,
        settings.baseUrl,
      );
    }
    return { baseUrl: settings.baseUrl, model, apiKey: settings.apiKey, source: "settings" };
  }
  return discoverLocalModel(settings, options);
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
  throw new ModelNotConfigured(notConfiguredMessage(seen));
}

export function notConfiguredMessage(seen: string[] = []): string {
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
    const body = (await response.json()) as { data?: { id?: unknown }[]; models?: { name?: unknown; model?: unknown }[] };
    const ids = Array.isArray(body.data)
      ? body.data.map((m) => m.id)
      : Array.isArray(body.models)
        ? body.models.map((m) => m.model ?? m.name)
        : [];
    return { ok: true, models: ids.filter((id): id is string => typeof id === "string" && id.length > 0) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === "TimeoutError" || e.name === "AbortError") return { ok: false, reason: `no answer within ${timeoutMs} ms` };
    if (e.cause?.code === "ECONNREFUSED") return { ok: false, reason: "nothing listening" };
    return { ok: false, reason: e.cause?.code ?? e.message };
  }
}

function firstChatModel(models: string[]): string | undefined {
  return models.find((id) => !/embed|embedding|rerank|whisper|tts/i.test(id)) ?? undefined;
}
