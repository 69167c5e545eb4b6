// The model menu in the toolbar: which model task cells will use, and a choice of the user's
// default (Luci's own models, LM Studio or Ollama when found on this machine, or an endpoint with
// its base URL, model and key). It talks to `luci serve`'s /api/luci/model (token in the header,
// as every API call), which keeps the choice in the user's config folder; kernels read it at their
// next task. The key field is always empty: a saved key is never sent back, the menu only says
// "key saved". A notebook's own `%luci model`, and LUCI_LLM_BASE_URL where the server started,
// win over this default; the menu says so.
import { el } from "../dom.js";
import { takeToken } from "../token.js";

interface ModelView {
  inUse: { words: string; source: string };
  default: { model: string; baseUrl: string | null; keySaved: boolean } | null;
  environment: string | null;
  own: { name: string; title: string; size: string; downloaded: boolean; wantsGpu: boolean }[];
  local: { name: string; baseUrl: string; models: string[] }[];
}

type Choice = { model: string; baseUrl?: string; apiKey?: string; forgetKey?: true } | { reset: true };

const STYLE = `
.model-menu { position: relative; margin-left: auto; }
.model-menu-button { max-width: 420px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.model-panel { position: absolute; right: 0; top: calc(100% + 6px); z-index: 50; width: 440px; max-height: 75vh; overflow: auto;
  background: var(--panel, #fff); border: 1px solid var(--line-strong, #ccc); border-radius: var(--radius, 8px);
  box-shadow: 0 8px 28px rgba(0,0,0,.12); padding: 12px 14px; font-size: 13.5px; }
.model-panel[hidden] { display: none; }
.model-panel h3 { margin: 10px 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted, #666); }
.model-panel .model-now { margin: 0 0 6px; font-weight: 600; }
.model-panel .model-note { margin: 2px 0 6px; color: var(--muted, #666); font-size: 12.5px; }
.model-panel .model-note.warn { color: var(--warn, #8a6d00); }
.model-panel .model-options { display: flex; flex-direction: column; gap: 4px; }
.model-panel .model-option { text-align: left; padding: 5px 8px; border: 1px solid var(--line, #ddd); border-radius: 6px; background: none; cursor: pointer; font: inherit; }
.model-panel .model-option:hover { background: var(--accent-soft, #eef); }
.model-panel .model-option.current { border-color: var(--accent, #35f); }
.model-panel form { display: grid; grid-template-columns: 80px 1fr; gap: 6px 8px; align-items: center; }
.model-panel form input { font: inherit; padding: 4px 6px; border: 1px solid var(--line-strong, #ccc); border-radius: 5px; }
.model-panel form .model-form-actions { grid-column: 2; display: flex; gap: 8px; align-items: center; }
.model-panel .model-key-saved { color: var(--ok, #2e7d32); font-size: 12.5px; }
.model-panel .model-error { color: var(--bad, #c62828); white-space: pre-wrap; }
`;

function addStyle(): void {
  if (document.getElementById("luci-model-menu-style")) return;
  document.head.append(el("style", { attrs: { id: "luci-model-menu-style" }, text: STYLE }));
}

export class ModelMenu {
  readonly element = el("div", { class: "model-menu tool-group" });
  private readonly button = el("button", { class: "tool model-menu-button", text: "Model: …", attrs: { "aria-haspopup": "dialog", "aria-expanded": "false" } });
  private readonly panel = el("div", { class: "model-panel", attrs: { role: "dialog", "aria-label": "Model for task cells", hidden: "" } });
  private view?: ModelView;

  constructor(
    private readonly token: string = takeToken(),
    private readonly origin: string = window.location.origin,
  ) {
    addStyle();
    this.element.append(this.button, this.panel);
    this.button.addEventListener("click", () => (this.panel.hidden ? void this.open() : this.close()));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.panel.hidden) this.close();
    });
    void this.refresh();
    // Another notebook opened (the page sets the title): ask again for it.
    const title = document.querySelector("title");
    if (title) new MutationObserver(() => void this.refresh()).observe(title, { childList: true, characterData: true, subtree: true });
  }

  /** Asks the server again and shows the model task cells will use. */
  async refresh(): Promise<void> {
    try {
      this.show(await this.call("GET"));
    } catch (err) {
      this.button.textContent = "Model: ?";
      this.button.title = `Could not ask the server which model task cells use: ${String(err)}`;
    }
  }

  private async open(): Promise<void> {
    this.panel.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.panel.replaceChildren(el("p", { class: "model-note", text: "Looking for models…" }));
    await this.refresh();
    this.render();
  }

  private close(): void {
    this.panel.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    this.panel.replaceChildren(); // nothing typed (a key) stays in the page
  }

  private show(view: ModelView): void {
    this.view = view;
    this.button.textContent = `Model: ${view.inUse.words}`;
    this.button.title = `Task cells ${view.inUse.source === "notebook" ? "of this notebook" : "of a notebook without a model of its own"} use ${view.inUse.words}. Click to choose your default.`;
    this.button.dataset.source = view.inUse.source;
  }

  private render(): void {
    const view = this.view;
    if (!view) {
      this.panel.replaceChildren(el("p", { class: "model-error", text: "The server did not say which models there are." }));
      return;
    }
    const current = view.default;
    const isCurrent = (model: string, baseUrl: string | null) => current !== null && current.model === model && (current.baseUrl ?? null) === baseUrl;
    const option = (label: string, choice: Choice, chosen: boolean) =>
      el("button", {
        class: `model-option${chosen ? " current" : ""}`,
        text: `${chosen ? "✓ " : ""}${label}`,
        attrs: { type: "button" },
        on: { click: () => void this.choose(choice) },
      });

    const own = view.own.map((m) =>
      option(
        `${m.name} · ${m.size}${m.downloaded ? " · downloaded" : " · downloaded on first use"}${m.wantsGpu ? " · for a GPU" : ""}`,
        { model: m.name },
        isCurrent(m.name, null),
      ),
    );
    const local = view.local.flatMap((server) =>
      server.models.map((model) =>
        option(`${server.name} · ${model}`, { model, baseUrl: server.baseUrl }, isCurrent(model, server.baseUrl.replace(/\/+$/, ""))),
      ),
    );

    const baseUrl = el("input", { attrs: { name: "baseUrl", type: "url", placeholder: "https://api.openai.com/v1", autocomplete: "off", required: "" } });
    const model = el("input", { attrs: { name: "model", placeholder: "gpt-4o-mini", autocomplete: "off", required: "" } });
    const apiKey = el("input", { attrs: { name: "apiKey", type: "password", placeholder: "API key (if it needs one)", autocomplete: "new-password" } });
    const keySaved = el("span", { class: "model-key-saved" });
    const forgetKey = el("button", { class: "tool model-forget-key", text: "Forget the key", attrs: { type: "button" } });
    forgetKey.addEventListener("click", () => void this.choose({ model: model.value.trim(), baseUrl: baseUrl.value.trim(), forgetKey: true }));
    const endpointDefault = current?.baseUrl ? current : null;
    if (endpointDefault) {
      baseUrl.value = endpointDefault.baseUrl ?? "";
      model.value = endpointDefault.model;
    }
    const sayKey = () => {
      const saved = endpointDefault?.keySaved === true && baseUrl.value.trim().replace(/\/+$/, "") === endpointDefault.baseUrl;
      keySaved.textContent = saved ? "key saved" : "";
      forgetKey.hidden = !saved;
      apiKey.placeholder = saved ? "key saved (type to replace)" : "API key (if it needs one)";
    };
    baseUrl.addEventListener("input", sayKey);
    sayKey();
    const form = el(
      "form",
      { class: "model-endpoint" },
      el("label", { text: "Base URL", attrs: { for: "luci-model-base-url" } }),
      baseUrl,
      el("label", { text: "Model" }),
      model,
      el("label", { text: "API key" }),
      apiKey,
      el(
        "div",
        { class: "model-form-actions" },
        el("button", { class: "tool model-endpoint-save", text: "Use this endpoint", attrs: { type: "submit" } }),
        keySaved,
        forgetKey,
      ),
    );
    baseUrl.id = "luci-model-base-url";
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const key = apiKey.value;
      apiKey.value = "";
      void this.choose({ model: model.value.trim(), baseUrl: baseUrl.value.trim(), ...(key ? { apiKey: key } : {}) });
    });

    const notes: HTMLElement[] = [];
    if (view.environment) {
      notes.push(
        el("p", {
          class: "model-note warn",
          text: `LUCI_LLM_BASE_URL (${view.environment}) is set where luci serve started: it wins over a choice here.`,
        }),
      );
    }
    notes.push(el("p", { class: "model-note", text: "Your default, for every notebook without a model of its own (%luci model in a notebook wins)." }));

    this.panel.replaceChildren(
      el("h3", { text: "Task cells use" }),
      el("p", { class: "model-now", text: view.inUse.words }),
      ...notes,
      el("h3", { text: "Luci's own model" }),
      el("div", { class: "model-options model-own" }, ...own),
      el("h3", { text: "On this machine" }),
      local.length
        ? el("div", { class: "model-options model-local" }, ...local)
        : el("p", { class: "model-note", text: "No LM Studio (port 1234) or Ollama (port 11434) found." }),
      el("h3", { text: "An endpoint…" }),
      form,
      el(
        "div",
        { class: "model-options" },
        option("Automatic: let Luci choose (LM Studio or Ollama if found, else Luci's own)", { reset: true }, current === null),
      ),
      el("p", { class: "model-error", attrs: { role: "alert" } }),
    );
  }

  private async choose(choice: Choice): Promise<void> {
    const error = this.panel.querySelector(".model-error");
    if (error) error.textContent = "";
    try {
      this.show(await this.call("PUT", choice));
      this.close();
    } catch (err) {
      if (error) error.textContent = err instanceof Error ? err.message : String(err);
      else this.button.title = String(err);
    }
  }

  private async call(method: "GET" | "PUT", body?: Choice): Promise<ModelView> {
    // GET for the open notebook: its own `%luci model` comes first.
    const notebook = method === "GET" ? /^\/notebooks\/(.+)$/.exec(window.location.pathname)?.[1] : undefined;
    const query = notebook ? `?path=${encodeURIComponent(decodeURIComponent(notebook))}` : "";
    const response = await fetch(`${this.origin}/api/luci/model${query}`, {
      method,
      cache: "no-store",
      credentials: "same-origin",
      headers: { Authorization: `token ${this.token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const data: unknown = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message =
        typeof data === "object" && data !== null && "message" in data && typeof data.message === "string" ? data.message : `HTTP ${response.status}`;
      throw new Error(message);
    }
    return readView(data);
  }
}

// The server's answer, read field by field (what is missing or of another type is left out).
type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isJson) : []);

function readView(data: unknown): ModelView {
  if (!isJson(data) || !isJson(data.inUse)) throw new Error("the server's answer about models could not be read");
  const inUse = data.inUse;
  const chosen = isJson(data.default) ? data.default : undefined;
  return {
    inUse: { words: str(inUse.words) ?? "?", source: str(inUse.source) ?? "?" },
    default: chosen && str(chosen.model) ? { model: str(chosen.model) ?? "", baseUrl: str(chosen.baseUrl) ?? null, keySaved: chosen.keySaved === true } : null,
    environment: str(data.environment) ?? null,
    own: list(data.own).flatMap((m) => {
      const name = str(m.name);
      return name ? [{ name, title: str(m.title) ?? name, size: str(m.size) ?? "", downloaded: m.downloaded === true, wantsGpu: m.wantsGpu === true }] : [];
    }),
    local: list(data.local).flatMap((server) => {
      const name = str(server.name);
      const baseUrl = str(server.baseUrl);
      const models = Array.isArray(server.models) ? server.models.filter((id): id is string => typeof id === "string") : [];
      return name && baseUrl ? [{ name, baseUrl, models }] : [];
    }),
  };
}
