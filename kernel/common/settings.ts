// Every LUCI_* environment variable the kernel, the `luci` command and the server read, declared
// once: its type, default, allowed values and a line of help. `%luci help` and the README's
// settings table are generated from these declarations (settings-docs.ts), and nothing else in
// the product reads a LUCI_* variable by itself: it asks setting() (the parsed value, or the
// default) or readSetting() (the value or the reason it is not one, for a caller that reports
// it in its own way).
//
// A setting is read where it is used (or when the object that uses it is made), never when a
// module loads, so a test can set the environment per kernel. An unset or empty variable is the
// default. A value that is not valid is never silently taken for something else: a setting
// declared onInvalid "error" throws (with the caller's error class, so the cell shows it as the
// caller's kind of failure); one declared "warn" logs a warning once and uses the default. Which
// one a setting is follows what a wrong guess would cost: an endpoint, an offline job or a
// container's limits must not quietly become something else; a log level or a start timeout may.
import { isAbsolute, resolve } from "node:path";
import { homedir } from "node:os";
import { CellFailure } from "./cell-failure.js";
import { sharedTables } from "./shared-tables.js";
import { log } from "./log.js";

type SettingType = "string" | "secret" | "command" | "path" | "url" | "number" | "integer" | "seconds" | "size" | "enum" | "json";

export const SETTING_GROUPS = ["Model", "Task cells", "Luci's own model", "Environments", "Containers", "Kernel, CLI and server"] as const;
type SettingGroup = (typeof SETTING_GROUPS)[number];

/** A setting's value, or why the text is not one (the message names the setting and the text). */
export type Parsed<T> = { ok: true; value: T; warning?: string } | { ok: false; message: string };

export interface SettingSpec<T> {
  readonly type: SettingType;
  readonly group: SettingGroup;
  /** One line: what the setting changes. */
  readonly help: string;
  /** The value when the variable is unset or empty (undefined: the caller works it out, see defaultText). */
  readonly fallback: T;
  /** The default in words, for `%luci help` and the README. */
  readonly defaultText: string;
  /** The values allowed, in words ("0 to 2", "on or off"). */
  readonly allowed: string;
  /** What a value that is not valid does: "error" throws, "warn" logs once and uses the default. */
  readonly onInvalid: "error" | "warn";
  /** `what` names the value in messages: the variable, or a command-line flag read by the same rule. */
  parse(text: string, what: string): Parsed<T>;
}

interface Declared {
  group: SettingGroup;
  help: string;
  onInvalid?: "error" | "warn";
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/** "a", "a or b", "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} or ${items.at(-1)}` : (items[0] ?? "");
}

/** Text as it is (trimmed). `check` returns a message for a value it refuses. */
function text<D extends string | undefined>(
  o: Declared & { default: D; defaultText?: string; type?: "string" | "secret" | "command"; allowed?: string; check?: (value: string) => string | undefined },
): SettingSpec<string | D> {
  return {
    type: o.type ?? "string",
    group: o.group,
    help: o.help,
    fallback: o.default,
    defaultText: o.defaultText ?? (o.default === undefined ? "none" : o.default),
    allowed: o.allowed ?? (o.type === "command" ? "a command on PATH or a path" : "any text"),
    onInvalid: o.onInvalid ?? "error",
    parse(value, what) {
      const problem = o.check?.(value);
      return problem ? { ok: false, message: `${what} ${problem}, not ${quote(value)}` } : { ok: true, value };
    },
  };
}

/** A folder or file; relative paths are taken from the current folder, ~ is the home folder (asWritten: passed on as it is). */
function path(o: Declared & { defaultText: string; asWritten?: boolean }): SettingSpec<string | undefined> {
  return {
    type: "path",
    group: o.group,
    help: o.help,
    fallback: undefined,
    defaultText: o.defaultText,
    allowed: "a path",
    onInvalid: o.onInvalid ?? "error",
    parse(value) {
      if (o.asWritten) return { ok: true, value };
      if (value === "~" || value.startsWith("~/")) return { ok: true, value: resolve(homedir(), value.slice(2)) };
      return { ok: true, value: isAbsolute(value) ? value : resolve(value) };
    },
  };
}

/** A URL with one of the given schemes (orFolder: or the absolute path of a folder, as uv takes for an index). */
function url(
  o: Declared & { defaultText: string; example: string; protocols: readonly string[]; noCredentials?: string; trimSlash?: boolean; orFolder?: boolean },
): SettingSpec<string | undefined> {
  const schemes = o.protocols.map((p) => `${p}://`);
  return {
    type: "url",
    group: o.group,
    help: o.help,
    fallback: undefined,
    defaultText: o.defaultText,
    allowed: `an ${orList(o.protocols)} URL${o.orFolder ? ", or a folder's absolute path" : ""}`,
    onInvalid: o.onInvalid ?? "error",
    parse(value, what) {
      if (o.orFolder && isAbsolute(value)) return { ok: true, value };
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        return { ok: false, message: `${what} must be a URL such as ${o.example}, not ${quote(value)}` };
      }
      if (!o.protocols.includes(parsed.protocol.slice(0, -1))) {
        return { ok: false, message: `${what} must start with ${orList(schemes)}, not ${quote(value)}` };
      }
      // Credentials in a URL would be shown wherever the URL is shown.
      if (o.noCredentials && (parsed.username || parsed.password)) {
        return { ok: false, message: `${what} must not contain a user name or password; ${o.noCredentials}` };
      }
      return { ok: true, value: o.trimSlash ? value.replace(/\/+$/, "") : value };
    },
  };
}

interface NumberRule {
  /** Whole numbers only. */
  whole?: boolean;
  min?: number;
  /** The lowest value is excluded (a timeout of 0 is no timeout). */
  above?: number;
  max?: number;
  /** A number out of range is brought into it, with a warning, instead of being refused. */
  clamp?: boolean;
}

function rangeWords(r: NumberRule): string {
  const kind = r.whole ? "a whole number" : "a number";
  if (r.min !== undefined && r.max !== undefined) return `${kind} between ${r.min} and ${r.max}`;
  if (r.above !== undefined && r.max !== undefined) return `${kind} above ${r.above}, at most ${r.max}`;
  if (r.min !== undefined) return `${kind} of at least ${r.min}`;
  if (r.above !== undefined) return `${kind} above ${r.above}`;
  if (r.max !== undefined) return `${kind} of at most ${r.max}`;
  return kind;
}

function allowedWords(r: NumberRule): string {
  const parts = [
    r.min !== undefined && r.max !== undefined ? `${r.min} to ${r.max}` : undefined,
    r.min !== undefined && r.max === undefined ? `${r.min} or more` : undefined,
    r.above !== undefined ? `above ${r.above}` : undefined,
    r.above !== undefined && r.max !== undefined ? `at most ${r.max}` : undefined,
  ].filter((part) => part !== undefined);
  return [r.whole ? "whole" : undefined, ...parts].filter((part) => part !== undefined).join(", ") || "any number";
}

/** Reads a number by the rule; also used for command-line flags that set the same thing. */
export function parseNumber(value: string, what: string, rule: NumberRule): Parsed<number> {
  const number = Number(value);
  const refused = { ok: false as const, message: `${what} must be ${rangeWords(rule)}, not ${quote(value)}` };
  if (value === "" || !Number.isFinite(number) || (rule.whole && !Number.isInteger(number))) return refused;
  const low = rule.min ?? rule.above;
  const tooLow = (rule.min !== undefined && number < rule.min) || (rule.above !== undefined && number <= rule.above);
  const tooHigh = rule.max !== undefined && number > rule.max;
  if (!tooLow && !tooHigh) return { ok: true, value: number };
  if (!rule.clamp || low === undefined || rule.max === undefined) return refused;
  const clamped = tooLow ? low : rule.max;
  return { ok: true, value: clamped, warning: `${what} must be ${rangeWords(rule)}, not ${quote(value)}; using ${clamped}` };
}

function number<D extends number | undefined>(
  o: Declared & NumberRule & { default: D; defaultText?: string; type?: "number" | "integer" | "seconds" },
): SettingSpec<number | D> {
  return {
    type: o.type ?? (o.whole ? "integer" : "number"),
    group: o.group,
    help: o.help,
    fallback: o.default,
    defaultText: o.defaultText ?? String(o.default),
    allowed: allowedWords(o),
    onInvalid: o.onInvalid ?? "error",
    parse: (value, what) => parseNumber(value, what, o),
  };
}

/** One of a few words (any case). `aliases` are other words for the same value. */
type OneOf<V extends string> = Declared & { defaultText?: string; aliases?: Record<string, NoInfer<V>> };
function oneOf<const V extends string>(values: readonly V[], o: OneOf<V> & { default: NoInfer<V> }): SettingSpec<V>;
function oneOf<const V extends string>(values: readonly V[], o: OneOf<V> & { default: undefined; defaultText: string }): SettingSpec<V | undefined>;
function oneOf<const V extends string>(values: readonly V[], o: OneOf<V> & { default: V | undefined }): SettingSpec<V | undefined> {
  const list = orList(values.map((v) => (v === o.default ? `${quote(v)} (the default)` : quote(v))));
  return {
    type: "enum",
    group: o.group,
    help: o.help,
    fallback: o.default,
    defaultText: o.defaultText ?? String(o.default),
    allowed: values.join(", "),
    onInvalid: o.onInvalid ?? "error",
    parse(value, what) {
      const word = value.toLowerCase();
      const found = values.find((v) => v === word) ?? o.aliases?.[word];
      return found ? { ok: true, value: found } : { ok: false, message: `${what} must be ${list}, not ${quote(value)}` };
    },
  };
}

/** A size: bytes, or a number with a k, m, g or t suffix (an i and a b may follow). */
export const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i;

/** A size in bytes with an optional k, m, g or t suffix (kept as written: Docker and the messages show it). */
function size(o: Declared & { default: string }): SettingSpec<string> {
  return {
    type: "size",
    group: o.group,
    help: o.help,
    fallback: o.default,
    defaultText: o.default,
    allowed: "bytes, or a number with k, m, g or t",
    onInvalid: o.onInvalid ?? "error",
    parse: (value, what) =>
      SIZE_PATTERN.test(value) ? { ok: true, value } : { ok: false, message: `${what} must be a size such as 512m or 2g, not ${quote(value)}` },
  };
}

const DEFAULTS = "LUCI_KERNELSPEC_DEFAULTS";

/** The settings a kernelspec gives as defaults: text for declared names, never a secret (kernel.json is anyone's to read). */
export type KernelspecDefaults = Readonly<Record<string, string>>;

/**
 * LUCI_KERNELSPEC_DEFAULTS: a JSON object of settings and their values, which `luci install`
 * writes into the kernelspec in place of the variables themselves. jupyter_client lets a
 * kernelspec's `env` override the caller's environment; a default does not: readSetting()
 * takes the caller's variable when it is set, else this default, else the declaration's own.
 */
function kernelspecDefaults(o: Declared & { defaultText: string }): SettingSpec<KernelspecDefaults | undefined> {
  return {
    type: "json",
    group: o.group,
    help: o.help,
    fallback: undefined,
    defaultText: o.defaultText,
    allowed: "a JSON object of LUCI_* names and their values",
    onInvalid: "warn",
    parse(value, what) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        return { ok: false, message: `${what} must be a JSON object such as {"LUCI_ENV_DIR": "/data/envs"}, not ${quote(value)}` };
      }
      const kept: Record<string, string> = {};
      const ignored: string[] = [];
      for (const [name, given] of Object.entries(parsed)) {
        const declared = isSettingName(name) && name !== DEFAULTS && settingSpec(name).type !== "secret";
        if (declared && typeof given === "string") kept[name] = given;
        else ignored.push(name);
      }
      const warning = ignored.length
        ? `${what} gives ${orList(ignored)}, which ${ignored.length === 1 ? "is" : "are"} not a setting a kernelspec may default (text for a declared, non-secret LUCI_* name); ignored`
        : undefined;
      return { ok: true, value: kept, ...(warning ? { warning } : {}) };
    },
  };
}

/** The declarations, in the order help and the README list them. */
export const SETTINGS = {
  // Model
  LUCI_LLM_BASE_URL: url({
    group: "Model",
    help: "An OpenAI-compatible endpoint for task cells (LM Studio, Ollama, llama.cpp, vLLM, OpenAI); a remote service is used only when named here",
    defaultText: "none: LM Studio or Ollama on this machine, else Luci's own model",
    example: "http://localhost:1234/v1",
    protocols: ["http", "https"],
    noCredentials: "use LUCI_LLM_API_KEY for the key",
    trimSlash: true,
  }),
  LUCI_LLM_MODEL: text({ group: "Model", help: "The model task cells ask for", default: undefined, defaultText: "the first chat model the endpoint lists" }),
  LUCI_LLM_API_KEY: text({
    group: "Model",
    type: "secret",
    help: "The endpoint's key: sent only to the endpoint, never shown or logged",
    default: undefined,
    defaultText: "OPENAI_API_KEY, else none",
  }),
  LUCI_LLM_TEMPERATURE: number({ group: "Model", help: "The model's temperature", default: 0.1, min: 0, max: 2 }),
  LUCI_LLM_MAX_TOKENS: number({
    group: "Model",
    help: "The longest answer asked for, in tokens",
    whole: true,
    min: 1,
    default: undefined,
    defaultText: "the server's own",
  }),
  LUCI_LLM_TIMEOUT: number({
    group: "Model",
    type: "seconds",
    help: "Seconds without any data from the model server before the call fails (not a limit on the whole answer)",
    default: 120,
    min: 0.001,
    max: 86_400,
  }),
  LUCI_TASK_PROMPT: oneOf(["code", "plain", "json"], {
    group: "Model",
    help: "What the task prompt asks for: code, a plan in words then code, or JSON then code",
    default: "code",
  }),
  // Task cells
  LUCI_GENERATION: oneOf(["online", "offline"], {
    group: "Task cells",
    help: "offline: a task with no usable recorded code is an error instead of a model call (CI, cron)",
    default: "online",
  }),
  LUCI_VALIDATION_THRESHOLD: number({
    group: "Task cells",
    help: "The gate's score generated code needs to run by itself (a number out of range is brought into it)",
    default: sharedTables().default_threshold,
    min: 0,
    max: 1,
    clamp: true,
    onInvalid: "warn",
  }),
  LUCI_VALIDATION_TIMEOUT: number({
    group: "Task cells",
    type: "seconds",
    help: "How long the gate may take before the code is refused unjudged",
    default: 15,
    above: 0,
    onInvalid: "warn",
  }),
  LUCI_SELF_REPAIR: number({
    group: "Task cells",
    help: "How many times failing generated code goes back to the model",
    default: 2,
    whole: true,
    min: 0,
    onInvalid: "warn",
  }),
  LUCI_SWEEP_MAX_SCENARIOS: number({
    group: "Task cells",
    help: "The most scenarios one `%luci sweep` may run (the product of its values); a larger sweep is refused before it starts",
    default: 200,
    whole: true,
    min: 1,
    onInvalid: "warn",
  }),
  LUCI_TRUST_DIR: path({
    group: "Task cells",
    help: "Where the key that signs recorded code and the trusted digests are kept",
    defaultText: "~/.local/share/luci/trust",
  }),
  // Luci's own model
  LUCI_LOCAL_MODEL: text({
    group: "Luci's own model",
    help: "Which model Luci runs itself when no endpoint is found",
    default: undefined,
    defaultText: "the catalogue's default model",
    allowed: "a catalogue name (luci model list), a .gguf path, or off",
  }),
  LUCI_MODELS_DIR: path({ group: "Luci's own model", help: "Where Luci's own model files are kept", defaultText: "~/.local/share/luci/models" }),
  LUCI_LOCAL_MODEL_IDLE: number({
    group: "Luci's own model",
    type: "seconds",
    help: "Seconds without a request before the model server stops (0: never)",
    default: 1800,
    whole: true,
    min: 0,
  }),
  LUCI_LOCAL_MODEL_CONTEXT: number({ group: "Luci's own model", help: "The model server's context, in tokens", default: 8192, whole: true, min: 256 }),
  LUCI_LOCAL_MODEL_THREADS: number({
    group: "Luci's own model",
    help: "CPU threads the model server uses",
    default: undefined,
    defaultText: "the machine's cores",
    whole: true,
    min: 1,
  }),
  LUCI_LOCAL_MODEL_GPU: oneOf(["auto", "off", "cuda", "vulkan", "metal"], {
    group: "Luci's own model",
    help: "Where the model server computes: auto uses a GPU if one is found (false and cpu mean off)",
    default: "auto",
    aliases: { false: "off", cpu: "off" },
  }),
  LUCI_MODEL_SERVER_TOKEN: text({
    group: "Luci's own model",
    type: "secret",
    help: "`luci model serve`: the bearer token requests must carry (--token overrides it)",
    default: undefined,
    defaultText: "a random one, written to the runtime file kernels read",
  }),
  // Environments
  // Its names are the executor registry's (environments/executors.ts), which checks them: an
  // unknown one is warned about and the notebook's environment used.
  LUCI_EXECUTOR: text({
    group: "Environments",
    help: "Where notebooks' code runs: each notebook's venv, its Docker container, or LUCI_PYTHON itself with nothing installed",
    default: undefined,
    defaultText: "the notebook's remembered choice, else venv",
    allowed: "venv, container or local",
  }),
  LUCI_ENV_DIR: path({
    group: "Environments",
    help: "Where notebook environments are kept",
    defaultText: "luci_environments/ in a checkout, else ~/.local/share/luci/environments",
  }),
  LUCI_PYTHON: text({ group: "Environments", type: "command", help: "The Python notebook environments are made from", default: "python3" }),
  LUCI_UV: text({
    group: "Environments",
    type: "command",
    help: "uv, which makes environments; without it (or off), venv and pip",
    default: undefined,
    defaultText: "uv on PATH, beside LUCI_PYTHON, or in ~/.local/share/luci/tools",
    allowed: "a command on PATH or a path, or off",
  }),
  LUCI_INDEX_URL: url({
    group: "Environments",
    help: "The package index packages (and Luci's own model, as a wheel) come from",
    defaultText: "the installer's own (PyPI)",
    example: "https://pypi.org/simple",
    protocols: ["http", "https", "file"],
    orFolder: true,
    onInvalid: "warn",
  }),
  LUCI_EXTRA_INDEX_URL: url({
    group: "Environments",
    help: "A second index, tried only after the main one",
    defaultText: "none",
    example: "https://pypi.org/simple",
    protocols: ["http", "https", "file"],
    orFolder: true,
    onInvalid: "warn",
  }),
  LUCI_STATE_DIR: path({
    group: "Environments",
    help: "Where per-notebook choices (model, executor, container limits) are remembered",
    defaultText: "~/.local/share/luci",
  }),
  // Containers
  LUCI_CONTAINER_IMAGE: text({ group: "Containers", help: "The base image of a notebook's container", default: "python:3.12-slim" }),
  LUCI_CONTAINER_FALLBACK_IMAGE: text({ group: "Containers", help: "The image used where the base image cannot be pulled", default: "luci-python:local" }),
  LUCI_CONTAINER_MEMORY: size({ group: "Containers", help: "The container's memory limit (no swap)", default: "1g" }),
  LUCI_CONTAINER_CPUS: number({ group: "Containers", help: "The container's CPU quota", default: 1, above: 0 }),
  LUCI_CONTAINER_PIDS: number({ group: "Containers", help: "The container's process and thread limit", default: 256, whole: true, min: 1 }),
  LUCI_CONTAINER_TMP: size({ group: "Containers", help: "The size of the container's writable /tmp", default: "256m" }),
  LUCI_CONTAINER_NETWORK: oneOf(["off", "on"], { group: "Containers", help: "Whether code in the container has a network", default: "off" }),
  LUCI_CONTAINER_INSTALL_NETWORK: text({ group: "Containers", help: "The Docker network the short-lived install containers use", default: "host" }),
  LUCI_CONTAINER_USER: text({
    group: "Containers",
    help: "Who code in the container runs as",
    default: undefined,
    defaultText: "your uid:gid (65534 for root)",
    allowed: "uid or uid:gid",
    check: (value) => (/^\d+(:\d+)?$/.test(value) ? undefined : "must be a uid or uid:gid (numbers)"),
  }),
  LUCI_CONTAINER_SCOPE: text({
    group: "Containers",
    help: "Kernels of one scope remove each other's leftover containers",
    default: undefined,
    defaultText: "this machine's host name",
  }),
  // Kernel, CLI and server
  LUCI_WORKER_START_TIMEOUT: number({
    group: "Kernel, CLI and server",
    type: "seconds",
    help: "How long a new Python worker may take to say it is ready",
    default: 60,
    above: 0,
    onInvalid: "warn",
  }),
  LUCI_APP_START_TIMEOUT: number({
    group: "Kernel, CLI and server",
    type: "seconds",
    help: "How long a web app a task started may take to answer HTTP on its port before the cell says it failed",
    default: 60,
    above: 0,
    onInvalid: "warn",
  }),
  LUCI_APP_URL: text({
    group: "Kernel, CLI and server",
    help: "The link a web app's cell shows, {port} standing for its port (e.g. /proxy/{port}/ behind jupyter-server-proxy)",
    default: undefined,
    defaultText: "luci serve's proxy, else jupyter-server-proxy's /proxy/{port}/ where it is installed, else http://127.0.0.1:{port}/",
    check: (value) => (value.includes("{port}") ? undefined : "must hold {port}"),
  }),
  LUCI_SERVER_KERNEL_ID: text({
    group: "Kernel, CLI and server",
    help: "Set by `luci serve` for the kernels it starts: the kernel's id, under which its proxy serves the kernel's web apps",
    default: undefined,
    check: (value) => (/^[A-Za-z0-9-]{1,64}$/.test(value) ? undefined : "must be a kernel id (letters, digits and -)"),
  }),
  LUCI_LOG_LEVEL: oneOf(["debug", "info", "warn", "error"], {
    group: "Kernel, CLI and server",
    help: "The least important kernel log lines written to stderr",
    default: "info",
    onInvalid: "warn",
  }),
  LUCI_NODE_EXTRA_CA_CERTS: path({
    group: "Kernel, CLI and server",
    help: "Set by the kernelspec: the user's NODE_EXTRA_CA_CERTS, put back for the worker and read only when the kernel opens a TLS connection",
    defaultText: "none",
    asWritten: true,
  }),
  LUCI_KERNELSPEC_DEFAULTS: kernelspecDefaults({
    group: "Kernel, CLI and server",
    help: "Set by the kernelspec (`luci install`): its settings as defaults, which a LUCI_* variable set where Jupyter runs overrides",
    defaultText: "none",
  }),
  LUCI_JUPYTER_PYTHON: text({
    group: "Kernel, CLI and server",
    type: "command",
    help: "`luci install`: the Python whose Jupyter gets the kernelspecs, when no venv or conda env is active",
    default: "python3",
  }),
  LUCI_SERVER_TOKEN: text({
    group: "Kernel, CLI and server",
    type: "secret",
    help: "`luci serve`: the token API requests must carry (--token overrides it)",
    default: undefined,
    defaultText: "a random one",
  }),
  LUCI_NOTEBOOK_DIR: path({
    group: "Kernel, CLI and server",
    help: "`luci serve` with no --root (and `npm start`): the folder of notebooks it serves, made on first start with copies of the examples",
    defaultText: "~/luci-notebooks",
  }),
  LUCI_SERVER_MAX_KERNELS: number({
    group: "Kernel, CLI and server",
    type: "integer",
    help: "`luci serve`: the most kernels running at once; starting one more is refused (503)",
    default: 32,
    whole: true,
    min: 1,
  }),
  LUCI_SERVER_CLIENT_BUFFER: size({
    group: "Kernel, CLI and server",
    help: "`luci serve`: output a WebSocket client has not read yet, at most; past it, output is dropped and the client told so",
    default: "16m",
  }),
  LUCI_SERVER_MAX_MESSAGE: size({
    group: "Kernel, CLI and server",
    help: "`luci serve`: the largest WebSocket message a client may send to a kernel (a larger one closes the connection)",
    default: "32m",
  }),
} satisfies Record<`LUCI_${string}`, SettingSpec<unknown>>;

export type SettingName = keyof typeof SETTINGS;
export type SettingValue<N extends SettingName> = (typeof SETTINGS)[N] extends SettingSpec<infer T> ? T : never;
type Environment = Readonly<Record<string, string | undefined>>;

/** The declarations again, typed by name, so that a lookup by a generic name keeps its value type. */
const SPECS: { [N in SettingName]: SettingSpec<SettingValue<N>> } = SETTINGS;

/** A setting's declaration (for documentation: settings-docs.ts). */
export function settingSpec<N extends SettingName>(name: N): SettingSpec<SettingValue<N>> {
  return SPECS[name];
}

/** A setting that cannot be used; the message names the variable and the value. */
export class SettingError extends CellFailure {
  constructor(message: string) {
    super("SettingError", message);
  }
}

/** The setting's value, its default when unset or empty, or why its value cannot be used. Never throws, never logs. */
export function readSetting<N extends SettingName>(env: Environment, name: N): Parsed<SettingValue<N>> {
  const raw = env[name]?.trim();
  const spec = settingSpec(name);
  if (raw) return spec.parse(raw, name);
  const defaults = name === DEFAULTS ? undefined : parsedDefaults(env);
  return fromKernelspec(name, defaults?.ok ? defaults.value : undefined) ?? { ok: true, value: spec.fallback };
}

function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(SETTINGS, name);
}

/** The last LUCI_KERNELSPEC_DEFAULTS read, parsed: every unset setting looks there, so it is parsed once. */
let lastDefaults: { raw: string; parsed: Parsed<KernelspecDefaults | undefined> } | undefined;

function parsedDefaults(env: Environment): Parsed<KernelspecDefaults | undefined> {
  const raw = env[DEFAULTS]?.trim() ?? "";
  if (!raw) return { ok: true, value: undefined };
  if (lastDefaults?.raw !== raw) lastDefaults = { raw, parsed: settingSpec(DEFAULTS).parse(raw, DEFAULTS) };
  return lastDefaults.parsed;
}

/** The kernelspec's default for a setting the caller left unset, read by the setting's own rule (its messages say where the value came from). */
function fromKernelspec<N extends SettingName>(name: N, defaults: KernelspecDefaults | undefined): Parsed<SettingValue<N>> | undefined {
  if (name === DEFAULTS) return undefined;
  const raw = defaults?.[name]?.trim();
  return raw ? settingSpec(name).parse(raw, `${name} (the kernelspec's default, in ${DEFAULTS})`) : undefined;
}

/** Checks a value for a setting given another way (a command-line flag, `%luci model`): `what` names it in messages. */
export function checkSetting<N extends SettingName>(name: N, value: string, what: string): Parsed<SettingValue<N>> {
  const spec = settingSpec(name);
  return spec.parse(value.trim(), what);
}

const warned = new Set<string>();

/**
 * The setting's value, or its default when unset or empty. A value that cannot be used throws
 * `errorClass` (settings declared onInvalid "error") or is warned about once and replaced by the
 * default ("warn").
 */
export function setting<N extends SettingName>(env: Environment, name: N, errorClass: new (message: string) => Error = SettingError): SettingValue<N> {
  // Unset here, the setting comes from the kernelspec's defaults: their own problems are warned about too.
  if (name !== DEFAULTS && !env[name]?.trim()) {
    const defaults = parsedDefaults(env);
    if (!defaults.ok) warnOnce(`${defaults.message}; using the default (${settingSpec(DEFAULTS).defaultText})`);
    else if (defaults.warning) warnOnce(defaults.warning);
  }
  const read = readSetting(env, name);
  const spec = settingSpec(name);
  if (read.ok) {
    if (read.warning) warnOnce(read.warning);
    return read.value;
  }
  if (spec.onInvalid === "error") throw new errorClass(read.message);
  warnOnce(`${read.message}; using the default (${spec.defaultText})`);
  return spec.fallback;
}

function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  log("warn", message);
}
