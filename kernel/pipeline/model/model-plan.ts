// Which model task cells of a new notebook will use, said before any task runs: `luci serve`'s
// start-up line and the page's model menu. The same order as a kernel's (settings.ts's
// chooseModel: LUCI_LLM_BASE_URL, then the user's default, then LM Studio or Ollama on this
// machine, then Luci's own model), without pulling or starting anything. Never holds a key:
// only where the key comes from.
import { setting } from "../../common/settings.js";
import { savedApiKey, userModelDefault } from "../../common/user-config.js";
import { CATALOGUE, catalogueEntry } from "../../local-model/catalogue.js";
import { listModels as storeListing, modelsDir } from "../../local-model/model-store.js";
import { formatBytes } from "../../local-model/pull/progress.js";
import { discoverLocalModel, listModels, LOCAL_SERVERS, type LocalServer } from "./discovery.js";
import { ModelNotConfigured } from "./errors.js";
import { ownModelChoice } from "./own-model.js";
import { chooseModel, type ModelOverrides } from "./settings.js";

export interface ModelPlan {
  /** In words, for a person: "Luci's own qwen2.5-coder-1.5b (downloaded on first use, 1.1 GB)". */
  words: string;
  /** "notebook" (its own `%luci model`), "environment" (LUCI_LLM_BASE_URL), "default" (the user's), "LM Studio", "Ollama", "own" (Luci's own model), "none". */
  source: "notebook" | "environment" | "default" | "LM Studio" | "Ollama" | "own" | "none";
  model?: string;
  baseUrl?: string;
  /** Where the API key comes from (never the key). */
  key?: "saved" | "LUCI_LLM_API_KEY" | "OPENAI_API_KEY";
}

export interface PlanOptions {
  /** The local servers to look for (tests give their own). */
  servers?: readonly LocalServer[];
  timeoutMs?: number;
}

/** `notebook`: what a notebook remembered (`%luci model` in a trusted notebook), which comes first. */
export async function planModel(env: NodeJS.ProcessEnv, options: PlanOptions = {}, notebook: ModelOverrides = {}): Promise<ModelPlan> {
  const saved = userModelDefault(env);
  const savedKey = savedApiKey(saved?.baseUrl, env);
  const keyFor = (url: string) => savedApiKey(url, env);
  const { settings, source } = chooseModel(env, notebook, saved ? { ...saved, ...(savedKey ? { apiKey: savedKey } : {}) } : undefined, keyFor);
  let key: ModelPlan["key"];
  if (!settings.apiKey) key = undefined;
  else if (settings.baseUrl && settings.apiKey === keyFor(settings.baseUrl)) key = "saved";
  else key = setting(env, "LUCI_LLM_API_KEY") ? "LUCI_LLM_API_KEY" : "OPENAI_API_KEY";
  const keyWords = key === "saved" ? "key saved" : key ? `key from ${key}` : undefined;
  if (settings.baseUrl && (source === "environment" || source === "default" || source === "notebook")) {
    const why = source === "environment" ? "LUCI_LLM_BASE_URL" : source === "notebook" ? "this notebook's choice" : "your default";
    return {
      words: `${settings.model ?? "the first model it lists"} at ${settings.baseUrl} (${[why, keyWords].filter(Boolean).join("; ")})`,
      source,
      ...(settings.model ? { model: settings.model } : {}),
      baseUrl: settings.baseUrl,
      ...(key ? { key } : {}),
    };
  }
  const own = ownModelChoice(env, settings.model);
  const named = settings.model ? catalogueEntry(settings.model) : undefined;
  if (!named) {
    try {
      const found = await discoverLocalModel(settings, { ...options, env });
      const where = found.source === "Ollama" ? "Ollama" : "LM Studio";
      return { words: `${found.model} at ${found.baseUrl} (${where}, found on this machine)`, source: where, model: found.model, baseUrl: found.baseUrl };
    } catch (err) {
      if (!(err instanceof ModelNotConfigured)) throw err;
    }
  }
  const why = source === "default" ? ", your default" : source === "notebook" ? ", this notebook's choice" : "";
  if (own.kind === "catalogue") {
    const installed = storeListing(modelsDir(env)).models.some((m) => m.entry.name === own.entry.name && (m.state === "verified" || m.state === "unverified"));
    const state = installed ? "downloaded" : `downloaded on first use, ${formatBytes(own.entry.size)}`;
    return { words: `Luci's own ${own.entry.name} (${state}${why})`, source: "own", model: own.entry.name };
  }
  if (own.kind === "file") return { words: `Luci's own model file ${own.path} (LUCI_LOCAL_MODEL)`, source: "own", model: own.name };
  if (own.kind === "off") return { words: "none: no LM Studio or Ollama found, and Luci's own model is off (LUCI_LOCAL_MODEL=off)", source: "none" };
  return { words: `none: ${own.message}`, source: "none" };
}

/** Luci's own models, and whether each is on this machine. */
export function ownModels(env: NodeJS.ProcessEnv): { name: string; title: string; size: string; downloaded: boolean; wantsGpu: boolean }[] {
  const listing = storeListing(modelsDir(env));
  return CATALOGUE.filter((entry) => entry.sha256 !== null).map((entry) => ({
    name: entry.name,
    title: entry.title,
    size: formatBytes(entry.size),
    downloaded: listing.models.some((m) => m.entry.name === entry.name && (m.state === "verified" || m.state === "unverified")),
    wantsGpu: entry.wantsGpu,
  }));
}

/** LM Studio and Ollama where they answer on this machine, with the models they list. */
export async function localServers(options: PlanOptions = {}): Promise<{ name: string; baseUrl: string; models: string[] }[]> {
  const servers = options.servers ?? LOCAL_SERVERS;
  const listed = await Promise.all(servers.map((server) => listModels(server.baseUrl, undefined, options.timeoutMs ?? 300)));
  return servers.flatMap((server, i) => {
    const answer = listed[i]!;
    return answer.ok ? [{ name: server.name, baseUrl: server.baseUrl, models: answer.models.filter((id) => !/embed|rerank|whisper|tts/i.test(id)) }] : [];
  });
}
