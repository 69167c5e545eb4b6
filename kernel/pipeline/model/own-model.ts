// Luci's own model: what task cells use when no endpoint is configured (LUCI_LLM_BASE_URL,
// `%luci model … --base-url`) and no LM Studio or Ollama answers on this machine. A model of the
// catalogue is pulled on first use, with its progress in the cell (size, percent, speed), then
// the user's one model server (kernel/local-model/server) is found or started, and its loopback
// endpoint is used like any other. LUCI_LOCAL_MODEL picks the model (a catalogue name, a .gguf
// file of the user's) or turns it off; `%luci model NAME` with a catalogue name picks one too.
//
// This file is the pipeline's one door to kernel/local-model: it turns that layer's results
// (values, not exceptions) into the model layer's errors, in words a cell can show.
import { errorMessage } from "../../common/errors.js";
import type { Progress, ProgressStep } from "../../environments/progress.js";
import { catalogueEntry, type CatalogueEntry } from "../../local-model/catalogue.js";
import { modelsDir, resolveLocalModel, verifyInstalled, type LocalModelChoice } from "../../local-model/model-store.js";
import { describePullProgress, formatBytes, pullModel } from "../../local-model/pull.js";
import { ensureModelServer } from "../../local-model/server/launcher.js";
import { GenerationInterrupted, ModelNotConfigured, ModelUnavailable } from "./errors.js";
import { ModelSettingsError } from "./settings.js";

/** The Endpoint.source of Luci's own model. */
export const OWN_MODEL_SOURCE = "Luci's own model";

/** Where the work of getting an endpoint shows (the cell's progress display) and what stops it. */
export interface EndpointSetup {
  progress?: Progress;
  signal?: AbortSignal;
}

export interface OwnModelEndpoint {
  baseUrl: string;
  model: string;
  apiKey: string;
  source: typeof OWN_MODEL_SOURCE;
}

/**
 * Which of Luci's own models to run: `%luci model NAME` (or LUCI_LLM_MODEL) when it names a
 * catalogue model, else LUCI_LOCAL_MODEL's choice. "off" and a bad value are returned as
 * they are: the caller decides what to say.
 */
export function ownModelChoice(env: NodeJS.ProcessEnv, requestedModel?: string): LocalModelChoice {
  const named = requestedModel ? catalogueEntry(requestedModel) : undefined;
  return named ? { kind: "catalogue", entry: named } : resolveLocalModel(env);
}

/** The endpoint of Luci's own model, pulling it and starting its server as needed. */
export async function ownModelEndpoint(choice: LocalModelChoice, env: NodeJS.ProcessEnv, setup: EndpointSetup = {}): Promise<OwnModelEndpoint> {
  if (choice.kind === "off") throw new ModelNotConfigured("Luci's own model is off (LUCI_LOCAL_MODEL=off).");
  if (choice.kind === "invalid") throw new ModelSettingsError(choice.message);
  const { modelFile, modelName } = choice.kind === "file" ? { modelFile: choice.path, modelName: choice.name } : await installed(choice.entry, env, setup);
  // A line in the cell only when there is something to wait for (a server to start, a model to
  // load); a server that already runs answers at once and the cell shows nothing of this.
  let step: ProgressStep | undefined;
  try {
    const server = await ensureModelServer({
      modelFile,
      modelName,
      env,
      signal: setup.signal,
      onProgress: () => (step ??= setup.progress?.step(`Starting ${OWN_MODEL_SOURCE} (${modelName})`)),
    });
    step?.done();
    return { baseUrl: server.baseUrl, model: server.model, apiKey: server.apiKey, source: OWN_MODEL_SOURCE };
  } catch (err) {
    if (setup.signal?.aborted) throw new GenerationInterrupted("");
    step?.fail(errorMessage(err).split("\n")[0] ?? "failed");
    throw new ModelUnavailable(`${OWN_MODEL_SOURCE} (${modelName}) could not be started: ${errorMessage(err)}`, "local", undefined, { cause: err });
  }
}

/** The model's file, verified; pulled first when it is not there yet (progress in the cell). */
async function installed(entry: CatalogueEntry, env: NodeJS.ProcessEnv, setup: EndpointSetup): Promise<{ modelFile: string; modelName: string }> {
  const dir = modelsDir(env);
  const found = await verifyInstalled(entry, dir, { signal: setup.signal });
  if (found.ok) return { modelFile: found.path, modelName: entry.name };
  if (found.reason !== "missing") throw new ModelUnavailable(found.message, "local");
  const step = setup.progress?.step(`Getting ${OWN_MODEL_SOURCE}, ${entry.name} (${formatBytes(entry.size)}, once)`);
  const pulled = await pullModel(entry, {
    dir,
    env,
    signal: setup.signal,
    onProgress: (progress) => step?.update(describePullProgress(entry.name, progress)),
    onWait: () => step?.update(`Waiting for another pull of ${entry.name} to finish`),
  });
  if (!pulled.ok) {
    step?.fail(pulled.message.split("\n")[0] ?? "failed");
    if (pulled.cancelled || setup.signal?.aborted) throw new GenerationInterrupted("");
    throw new ModelUnavailable(
      `${pulled.message}\nTask cells can use another model meanwhile: set LUCI_LLM_BASE_URL, or LUCI_LOCAL_MODEL=/path/to/model.gguf.`,
      "local",
    );
  }
  step?.update(`Got ${OWN_MODEL_SOURCE}, ${entry.name} (${formatBytes(entry.size)}${pulled.source ? ` from ${pulled.source}` : ""})`);
  step?.done();
  return { modelFile: pulled.path, modelName: entry.name };
}
