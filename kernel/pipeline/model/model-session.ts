// The model side of a notebook's session: which model task cells use (this session's
// `%luci model`, then the model remembered for the notebook, then LUCI_LLM_BASE_URL, then the
// user's default from common/user-config.ts: settings.ts's chooseModel() has the order) and the
// backend that answers (made on first use, so a notebook of Python cells never loads the client).
// The task runner asks it for a backend; `%luci model` describes and changes it.
import { errorMessage } from "../../common/errors.js";
import type { Endpoint } from "./discovery.js";
import type { GenerateRequest, GenerateResult } from "./model-client.js";
import type { EndpointSetup } from "./own-model.js";
import type { ModelChoiceSource, ModelOverrides, ModelSettings } from "./settings.js";

/**
 * What writes code: an endpoint to name in the cell, and a streamed generation. The
 * OpenAI-compatible client (model-client.ts) is the backend for every endpoint, Luci's own model
 * included (it serves the same API on loopback); another kind of backend implements this.
 */
export interface ModelBackend {
  /** The endpoint in use, resolved (and Luci's own model pulled and started) if need be. */
  endpoint(setup?: EndpointSetup): Promise<Endpoint>;
  generate(request: GenerateRequest): Promise<GenerateResult>;
}

export class ModelSession {
  private backendMade?: Promise<ModelBackend>;
  /** The settings the backend was made with (compared, never shown: they hold the key). */
  private backendSettings?: string;
  /** `%luci model ...` for this kernel session, over the LUCI_LLM_* settings. */
  private overrides: ModelOverrides = {};

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    /** The notebook's path, when known: `%luci model` is remembered for it. */
    private readonly notebookPath: () => string | undefined,
  ) {}

  /**
   * The backend, made on first use (the `openai` package loads only then); made again after a
   * failure or a change, including one made outside this kernel (the user's default, changed in
   * the page's menu while the notebook is open, is used from the next task on).
   */
  async backend(): Promise<ModelBackend> {
    const { settings } = await this.chosen();
    const made = JSON.stringify(settings);
    if (!this.backendMade || made !== this.backendSettings) {
      this.backendSettings = made;
      const backend = (async () => {
        const { ModelClient } = await import("./model-client.js");
        return new ModelClient(settings);
      })();
      this.backendMade = backend;
      backend.catch(() => {
        if (this.backendMade === backend) this.backendMade = undefined;
      });
    }
    return this.backendMade;
  }

  /** `%luci model`: the settings in words, and the endpoint in use (or why there is none). */
  async describe(): Promise<string> {
    const { describeSettings } = await import("./settings.js");
    const { settings, source } = await this.chosen();
    const { userModelDefault } = await import("../../common/user-config.js");
    const saved = userModelDefault(this.env);
    const yours = `your default: ${saved ? `${saved.model}${saved.baseUrl ? ` at ${saved.baseUrl}` : ""}` : "none (%luci model NAME --default, or the page's model menu)"}`;
    try {
      const endpoint = await (await this.backend()).endpoint();
      return `${describeSettings(settings, source)}\n${yours}\nIn use: ${endpoint.model} at ${endpoint.baseUrl}`;
    } catch (err) {
      return `${describeSettings(settings, source)}\n${yours}\n${errorMessage(err)}`;
    }
  }

  /**
   * `%luci model NAME [--base-url URL] ...`: checked, used from the next task on, and remembered
   * for the notebook when `remember` (the cells layer decides: only for a notebook the user
   * trusts, and a new endpoint only once a person confirmed it).
   */
  async set(overrides: ModelOverrides, options: { remember: boolean; asDefault?: boolean }): Promise<string> {
    if (options.asDefault) return this.setDefault(overrides);
    const { modelSettings } = await import("./settings.js");
    const next = { ...(await this.currentOverrides()), ...overrides };
    modelSettings(this.env, next); // throws, in words, on a value that cannot be used
    this.overrides = next;
    this.backendMade = undefined;
    const path = options.remember ? this.notebookPath() : undefined;
    if (path) await (await import("./notebook-models.js")).rememberModel(path, next, this.env);
    const where = path ? "for this notebook" : "in this session";
    return `Task cells now use ${next.model ?? "the configured model"}${next.baseUrl ? ` at ${next.baseUrl}` : ""} ${where}.`;
  }

  /**
   * `%luci model NAME [--base-url URL] --default`: the user's default for every notebook without
   * a model of its own (kept in the user's config folder; the cells layer allows it only where a
   * person decides). A key comes only from the kernel's password question (`--key`), never from
   * the cell's text, which would be saved with the notebook.
   */
  private async setDefault(overrides: ModelOverrides): Promise<string> {
    const { modelSettings, ModelSettingsError } = await import("./settings.js");
    const { setUserModelDefault } = await import("../../common/user-config.js");
    if (!overrides.model) throw new ModelSettingsError("%luci model --default needs the model's name: %luci model NAME [--base-url URL] --default");
    const chosen = { model: overrides.model, ...(overrides.baseUrl !== undefined ? { baseUrl: overrides.baseUrl } : {}) };
    const settings = modelSettings({}, {}, chosen); // throws, in words, on a base URL that cannot be used
    await setUserModelDefault({ default: chosen, ...(overrides.apiKey !== undefined ? { apiKey: overrides.apiKey } : {}) }, this.env);
    this.backendMade = undefined;
    const now = await this.chosen();
    const key = overrides.apiKey === undefined ? "" : overrides.apiKey ? " (key saved)" : " (no key)";
    const said = `Your default is now ${chosen.model}${settings.baseUrl ? ` at ${settings.baseUrl}` : ""}${key}: task cells of every notebook without a model of its own use it.`;
    if (now.source === "environment")
      return `${said} Here LUCI_LLM_BASE_URL (${now.settings.baseUrl}) is set where this kernel started, and it wins over your default.`;
    if (now.source === "notebook") return `${said} This notebook keeps its own choice (${now.settings.model ?? "its model"}).`;
    return said;
  }

  /** Where task cells are sent now (undefined: an endpoint found on this machine), and whether the API key goes with them. */
  async destination(): Promise<{ baseUrl?: string; keySet: boolean }> {
    const { settings } = await this.chosen();
    return { baseUrl: settings.baseUrl, keySet: settings.apiKey !== undefined };
  }

  /** The settings in use, and which layer chose the endpoint. */
  private async chosen(): Promise<{ settings: ModelSettings; source: ModelChoiceSource }> {
    const [{ chooseModel }, { savedApiKey, userModelDefault }] = await Promise.all([import("./settings.js"), import("../../common/user-config.js")]);
    const saved = userModelDefault(this.env);
    const withKey = saved ? { ...saved, apiKey: savedApiKey(saved.baseUrl, this.env) } : undefined;
    return chooseModel(this.env, await this.currentOverrides(), withKey, (baseUrl) => savedApiKey(baseUrl, this.env));
  }

  /** The notebook's remembered model, then this session's `%luci model`, over LUCI_LLM_*. */
  private async currentOverrides(): Promise<ModelOverrides> {
    const { rememberedModel } = await import("./notebook-models.js");
    return { ...rememberedModel(this.notebookPath(), this.env), ...this.overrides };
  }
}
