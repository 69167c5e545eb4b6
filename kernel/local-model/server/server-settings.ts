// The model server's settings from the environment (declared in common/settings.ts), read by
// `luci model serve` and by the launcher (which passes the idle timeout on the command line):
// LUCI_LOCAL_MODEL_IDLE, LUCI_LOCAL_MODEL_CONTEXT, LUCI_LOCAL_MODEL_THREADS, LUCI_LOCAL_MODEL_GPU.
// The command-line flags that set the same things are read by the same rules. A value that is
// not valid is an error value naming the setting (or the flag), never a silent default.
import { checkSetting, parseNumber, readSetting, type Parsed, type SettingValue } from "../../common/settings.js";
import type { GpuChoice } from "./llama-backend.js";

export type Setting<T> = Parsed<T>;

export function idleSeconds(env: NodeJS.ProcessEnv): Setting<number> {
  return readSetting(env, "LUCI_LOCAL_MODEL_IDLE");
}

export function contextSize(env: NodeJS.ProcessEnv): Setting<number> {
  return readSetting(env, "LUCI_LOCAL_MODEL_CONTEXT");
}

/** undefined: the machine's cores. */
export function threads(env: NodeJS.ProcessEnv): Setting<number | undefined> {
  return readSetting(env, "LUCI_LOCAL_MODEL_THREADS");
}

export function gpu(env: NodeJS.ProcessEnv): Setting<GpuChoice> {
  return asGpu(readSetting(env, "LUCI_LOCAL_MODEL_GPU"));
}

/** --gpu, read as LUCI_LOCAL_MODEL_GPU is. */
export function parseGpu(flag: string, text: string): Setting<GpuChoice> {
  return asGpu(checkSetting("LUCI_LOCAL_MODEL_GPU", text, flag));
}

function asGpu(read: Parsed<SettingValue<"LUCI_LOCAL_MODEL_GPU">>): Setting<GpuChoice> {
  if (!read.ok) return read;
  return { ok: true, value: read.value === "off" ? false : read.value };
}

/** A flag's whole number from `min` to `max`. */
export function wholeNumber(flag: string, text: string, min: number, max: number): Setting<number> {
  return parseNumber(text, flag, { whole: true, min, max });
}
