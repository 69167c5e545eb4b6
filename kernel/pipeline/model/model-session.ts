// The model side of a notebook's session: which model task cells use (the LUCI_LLM_* settings,
// then the model remembered for the notebook, then this session's `%luci model`) and the backend
// that answers (made on first use, so a notebook of Python cells never loads the client).
// The task runner asks it for a backend; `%luci model` describes and changes it.
import { errorMessage } from "../../common/errors.js";
import type { Endpoint } from "./discovery.js";
import type { GenerateRequest, GenerateResult } from "./model-client.js";
import type { EndpointSetup } from "./own-model.js";
import type { ModelOverrides } from "./settings.js";

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
  /** `%luci model ...` for this kernel session, over the LUCI_LLM_* settings. */
  private overrides: ModelOverrides = {};

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    /** The notebook's path, when known: `%luci model` is remembered for it. */
    private readonly notebookPath: () => string | undefined,
  ) {}

  /** The backend, made on first use (the `openai` package loads only then); made again after a failure or a change. */
  backend(): Promise<ModelBackend> {
    this.backendMade ??= (async () => {
      const [{ ModelClient }, { modelSettings }] = await Promise.all([import("./model-client.js"), import("./settings.js")]);
      return new ModelClient(modelSettings(this.env, await this.currentOverrides()));
    })();
    this.backendMade.catch(() => (this.backendMade = undefined));
    return this.backendMade;
  }

  /** `%luci model`: the settings in words, and the endpoint in use (or why there is none). */
  async describe(): Promise<string> {
    const { modelSettings, describeSettings } = await import("./settings.js");
    const settings = modelSettings(this.env, await this.currentOverrides());
    try {
      const endpoint = await (await this.backend()).endpoint();
      return `${describeSettings(settings)}\nIn use: ${endpoint.model} at ${endpoint.baseUrl}`;
    } catch (err) {
      return `${describeSettings(settings)}\n${errorMessage(err)}`;
    }
  }

  /**
   * `%luci model NAME [--base-url URL] ...`: checked, used from the next task on, and remembered
   * for the notebook when `remember` (the cells layer decides: only for a notebook the user
   * trusts, and a new endpoint only once a person confirmed it).
   */
  async set(overrides: ModelOverrides, options: { remember: boolean }): Promise<string> {
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

  /** Where task cells are sent now (undefined: an endpoint found on this machine), and whether the API key goes with them. */
  async destination(): Promise<{ baseUrl?: string; keySet: boolean }> {
    const { modelSettings } = await import("./settings.js");
    const settings = modelSettings(this.env, await this.currentOverrides());
    return { baseUrl: settings.baseUrl, keySet: settings.apiKey !== undefined };
  }

  /** The notebook's remembered model, then this session's `%luci model`, over LUCI_LLM_*. */
  private async currentOverrides(): Promise<ModelOverrides> {
    const { rememberedModel } = await import("./notebook-models.js");
    return { ...rememberedModel(this.notebookPath(), this.env), ...this.overrides };
  }
}
