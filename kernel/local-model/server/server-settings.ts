// The model server's settings from the environment, read in one place by `luci model serve` and
// by the launcher (which passes the idle timeout on the command line): LUCI_LOCAL_MODEL_IDLE
// (seconds without a request before the server stops; 0 = never), LUCI_LOCAL_MODEL_CONTEXT
// (tokens), LUCI_LOCAL_MODEL_THREADS, LUCI_LOCAL_MODEL_GPU (auto, off, cuda, vulkan, metal).
// A value that is not valid is an error value naming the setting, never a silent default.
import type { GpuChoice } from "./llama-backend.js";

const DEFAULT_IDLE_SECONDS = 1800;
/** Room for a task's prompt (the notebook's context, a 1,500-token system prompt) and its answer. */
const DEFAULT_CONTEXT_SIZE = 8192;

export type Setting<T> = { ok: true; value: T } | { ok: false; message: string };

export function idleSeconds(env: NodeJS.ProcessEnv): Setting<number> {
  return wholeNumber("LUCI_LOCAL_MODEL_IDLE", env.LUCI_LOCAL_MODEL_IDLE, DEFAULT_IDLE_SECONDS, 0);
}

export function contextSize(env: NodeJS.ProcessEnv): Setting<number> {
  return wholeNumber("LUCI_LOCAL_MODEL_CONTEXT", env.LUCI_LOCAL_MODEL_CONTEXT, DEFAULT_CONTEXT_SIZE, 256);
}

/** undefined: the machine's cores. */
export function threads(env: NodeJS.ProcessEnv): Setting<number | undefined> {
  if (!env.LUCI_LOCAL_MODEL_THREADS) return { ok: true, value: undefined };
  return wholeNumber("LUCI_LOCAL_MODEL_THREADS", env.LUCI_LOCAL_MODEL_THREADS, 0, 1);
}

export function gpu(env: NodeJS.ProcessEnv): Setting<GpuChoice> {
  return parseGpu("LUCI_LOCAL_MODEL_GPU", env.LUCI_LOCAL_MODEL_GPU || "auto");
}

export function parseGpu(name: string, text: string): Setting<GpuChoice> {
  switch (text) {
    case "auto":
    case "cuda":
    case "vulkan":
    case "metal":
      return { ok: true, value: text };
    case "off":
    case "false":
    case "cpu":
      return { ok: true, value: false };
    default:
      return { ok: false, message: `${name} must be auto, off, cuda, vulkan or metal (got ${JSON.stringify(text)})` };
  }
}

export function wholeNumber(name: string, text: string | undefined, fallback: number, min: number): Setting<number> {
  if (text === undefined || text.trim() === "") return { ok: true, value: fallback };
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) return { ok: false, message: `${name} must be a whole number of at least ${min} (got ${JSON.stringify(text)})` };
  return { ok: true, value };
}
