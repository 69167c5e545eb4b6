// The user's own choices, made by a person (the page's model menu, `%luci model NAME --default`)
// and kept for every notebook: $XDG_CONFIG_HOME/luci/model.json, else ~/.config/luci/model.json.
// The folder is 0700 and the file 0600 (it may hold API keys), replaced atomically under a lock.
//   { "default": { "model": "gpt-4o-mini", "baseUrl": "https://api.openai.com/v1" },
//     "keys": { "https://api.openai.com/v1": "sk-…" } }
// A key belongs to one endpoint (its base URL, without a trailing slash): it is sent to that
// endpoint only, and read by the kernel alone (never returned by the server's API, never shown,
// redacted from what goes to a model: common/kernel-secrets.ts).
import { chmodSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { withLock } from "./file-lock.js";
import { isObject, readJson, writeJsonAtomic } from "./json-file.js";

export interface UserModelDefault {
  /** The model's name (one of Luci's own when there is no base URL). */
  model: string;
  /** An OpenAI-compatible endpoint; none for Luci's own model. */
  baseUrl?: string;
}

interface ModelFile {
  default?: UserModelDefault;
  keys: Record<string, string>;
}

export function luciConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "luci");
}

export function userModelFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(luciConfigDir(env), "model.json");
}

/** An endpoint as keys are filed under it: trimmed, without trailing slashes. */
export function endpointKey(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, "");
}

/** The user's default model, or undefined (none chosen, or a file that cannot be read). */
export function userModelDefault(env: NodeJS.ProcessEnv = process.env): UserModelDefault | undefined {
  return readModelFile(env).default;
}

/** The key saved for this endpoint, if any. */
export function savedApiKey(baseUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return baseUrl === undefined ? undefined : readModelFile(env).keys[endpointKey(baseUrl)];
}

/** Every saved key: secrets to redact wherever they appear. */
export function savedApiKeys(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.values(readModelFile(env).keys);
}

export interface UserModelChange {
  /** The new default; null removes it (task cells then choose by themselves again). */
  default: UserModelDefault | null;
  /** A key for the default's endpoint: saved (replacing the one before); "" forgets it; undefined keeps it. */
  apiKey?: string;
}

/** Sets the user's default model (and the key for its endpoint). */
export async function setUserModelDefault(change: UserModelChange, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const dir = luciConfigDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // made earlier by something else with a wider mode: it holds keys now
  const file = userModelFile(env);
  await withLock(`${file}.lock`, async () => {
    const now = readModelFile(env);
    const next: ModelFile = { keys: { ...now.keys } };
    if (change.default)
      next.default = change.default.baseUrl ? { model: change.default.model, baseUrl: change.default.baseUrl } : { model: change.default.model };
    const endpoint = change.default?.baseUrl;
    if (endpoint !== undefined && change.apiKey !== undefined) {
      if (change.apiKey.trim()) next.keys[endpointKey(endpoint)] = change.apiKey.trim();
      else delete next.keys[endpointKey(endpoint)];
    }
    writeJsonAtomic(file, next, 0o600);
    chmodSync(file, 0o600);
    return Promise.resolve();
  });
}

function readModelFile(env: NodeJS.ProcessEnv): ModelFile {
  const parsed = readJson(userModelFile(env)); // undefined for a missing or unreadable file
  const out: ModelFile = { keys: {} };
  if (!isObject(parsed)) return out;
  const chosen = parsed.default;
  if (isObject(chosen) && typeof chosen.model === "string" && chosen.model.trim()) {
    out.default = { model: chosen.model.trim() };
    if (typeof chosen.baseUrl === "string" && chosen.baseUrl.trim()) out.default.baseUrl = chosen.baseUrl.trim();
  }
  if (isObject(parsed.keys)) {
    for (const [endpoint, key] of Object.entries(parsed.keys)) if (typeof key === "string" && key.trim()) out.keys[endpointKey(endpoint)] = key.trim();
  }
  return out;
}
