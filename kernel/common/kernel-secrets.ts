// The secrets the kernel itself holds: the settings declared as secrets (the model's key, the
// tokens of `luci serve` and `luci model serve`). The notebook's Python never needs them, so the
// worker is started without them; and their values are redacted from whatever goes to a model,
// in case a notebook got hold of one anyway (pipeline/secrets.ts).
import { SETTINGS } from "./settings.js";
import { savedApiKeys } from "./user-config.js";

/** The LUCI_* settings whose values are secrets. */
export const SECRET_SETTINGS: readonly string[] = Object.entries(SETTINGS).flatMap(([name, spec]) => (spec.type === "secret" ? [name] : []));

/** The environment for the notebook's Python: the kernel's, without its secret settings. */
export function withoutKernelSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of SECRET_SETTINGS) delete out[name];
  return out;
}

/**
 * The values of the kernel's secret settings that are set, OPENAI_API_KEY (the model key's
 * fallback) and the API keys saved in the user's config (common/user-config.ts).
 */
export function kernelSecretValues(env: NodeJS.ProcessEnv): string[] {
  return [...[...SECRET_SETTINGS, "OPENAI_API_KEY"].flatMap((name) => (env[name]?.trim() ? [env[name].trim()] : [])), ...savedApiKeys(env)];
}
