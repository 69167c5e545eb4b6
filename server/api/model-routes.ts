// /api/luci/model: which model task cells use, and the user's default, for the page's model menu.
// Behind the token and the Origin check like every /api route. The default is the user's config
// (kernel/common/user-config.ts), the same file `%luci model NAME --default` writes; a kernel
// reads it at its next task. An API key comes in with PUT, is saved for its endpoint (0600) and
// never leaves again: no answer holds it, only whether one is saved.
//   GET  [?path=NOTEBOOK] → { inUse, default, environment, own, local } (inUse: for that notebook,
//        whose remembered `%luci model` comes first; else for a new notebook)
//   PUT  { model, baseUrl?, apiKey? } sets the default ({ reset: true } removes it) → the same as GET
// Why the server and not a `%luci model` cell: the menu works before any kernel runs, and a key
// sent as a cell would travel in an execute_request (kept in the kernel's history, echoed to every
// client as execute_input); here it goes from the page to the file and nowhere else.
import { checkSetting, setting } from "../../kernel/common/settings.js";
import { endpointKey, savedApiKey, setUserModelDefault, userModelDefault } from "../../kernel/common/user-config.js";
import { catalogueEntry } from "../../kernel/local-model/catalogue.js";
import { localServers, ownModels, planModel, type PlanOptions } from "../../kernel/pipeline/model/model-plan.js";
import { rememberedModel } from "../../kernel/pipeline/model/notebook-models.js";
import type { ModelOverrides } from "../../kernel/pipeline/model/settings.js";
import type { RootedPaths } from "../contents/paths.js";
import { HttpError, readJson, sendJson } from "../http/respond.js";
import type { Router } from "../http/router.js";

const MODEL_PATH = /^\/api\/luci\/model\/?$/;
const MAX_FIELD = 4096;

/** `env`: the environment kernels start in (the server's, with what it adds for them). */
export function modelRoutes(router: Router, env: NodeJS.ProcessEnv, paths: RootedPaths, options: PlanOptions = {}): void {
  router
    .add("GET", MODEL_PATH, async ({ res, url }) => {
      const path = url.searchParams.get("path");
      // The notebook's own choice, as its kernel reads it (remembered by its absolute path).
      const notebook = path ? rememberedModel(paths.resolve(path).os, env) : {};
      sendJson(res, 200, await modelView(env, options, notebook));
    })
    .add("PUT", MODEL_PATH, async ({ req, res }) => {
      const body = await readJson(req);
      if (body.reset === true) {
        await setUserModelDefault({ default: null }, env);
        sendJson(res, 200, await modelView(env, options));
        return;
      }
      const model = text(body.model, "model");
      if (!model) throw new HttpError(400, "model: the model's name is needed");
      const baseUrl = text(body.baseUrl, "baseUrl");
      const apiKey = body.apiKey === undefined || body.apiKey === null ? undefined : text(body.apiKey, "apiKey");
      if (baseUrl) {
        const checked = checkSetting("LUCI_LLM_BASE_URL", baseUrl, "the base URL");
        if (!checked.ok) throw new HttpError(400, checked.message);
      } else {
        if (!catalogueEntry(model)) throw new HttpError(400, `${model} is not one of Luci's own models: give the endpoint's base URL with it`);
        if (apiKey) throw new HttpError(400, "apiKey: a key goes with an endpoint (baseUrl)");
      }
      // An empty key field keeps the saved key; `forgetKey` removes it.
      const key = body.forgetKey === true ? "" : apiKey || undefined;
      await setUserModelDefault({ default: baseUrl ? { model, baseUrl } : { model }, ...(key !== undefined ? { apiKey: key } : {}) }, env);
      sendJson(res, 200, await modelView(env, options));
    });
}

function text(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new HttpError(400, `${field} must be a string`);
  if (value.length > MAX_FIELD) throw new HttpError(400, `${field} is too long`);
  return value.trim() || undefined;
}

/** What the menu shows: never a key, only whether one is saved. */
async function modelView(env: NodeJS.ProcessEnv, options: PlanOptions, notebook: ModelOverrides = {}) {
  const chosen = userModelDefault(env);
  const [inUse, local] = await Promise.all([planModel(env, options, notebook), localServers(options)]);
  const environment = setting(env, "LUCI_LLM_BASE_URL") ?? null;
  return {
    inUse,
    default: chosen
      ? { model: chosen.model, baseUrl: chosen.baseUrl ? endpointKey(chosen.baseUrl) : null, keySaved: savedApiKey(chosen.baseUrl, env) !== undefined }
      : null,
    /** LUCI_LLM_BASE_URL where the kernels start: it wins over the default. */
    environment,
    own: ownModels(env),
    local,
  };
}
