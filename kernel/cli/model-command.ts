// `luci model ...`: Luci's own model files in the model store (LUCI_MODELS_DIR, else the user
// data folder): pull one from the catalogue (progress on stderr: one updating line on a
// terminal, plain lines otherwise), list the catalogue with what is installed and verified,
// remove one, and `serve` (an OpenAI-compatible server for a model, in local-model/server/).
// Exit status: 0 done, 1 failed, 2 wrong usage, 130 interrupted.
import { CATALOGUE, catalogueEntry, DEFAULT_MODEL_NAME, defaultEntry, type CatalogueEntry } from "../local-model/catalogue.js";
import { listModels, modelsDir, removeModel, resolveLocalModel, type ListedModel, type LocalModelChoice } from "../local-model/model-store.js";
import { describePullProgress, formatBytes, pullModel, type PullProgress } from "../local-model/pull.js";
import { setting } from "../common/settings.js";

export const MODEL_USAGE = `Usage: luci model <command> [options]

Luci's own model: GGUF files in the model store (LUCI_MODELS_DIR, else
$XDG_DATA_HOME/luci/models, else ~/.local/share/luci/models).

Commands:
  pull [NAME]        download a model of the catalogue and verify it (default: the model
                     LUCI_LOCAL_MODEL names, else ${DEFAULT_MODEL_NAME}); an interrupted pull
                     continues where it stopped
  list [--json]      the catalogue, and what is installed and verified
  rm NAME            remove an installed model (and any partial download of it)
  serve [options]    serve a model over an OpenAI-compatible API (luci model serve --help)
  help               this text

LUCI_LOCAL_MODEL chooses the model Luci runs: unset (the default), a NAME of the catalogue,
/path/to/model.gguf (a file of yours, used as it is), or off.
Models: ${CATALOGUE.map((entry) => entry.name).join(", ")}.
`;

export async function runModelCommand(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "pull":
      return rest.includes("--help") || rest.includes("-h") ? help() : pull(rest);
    case "list":
      return rest.includes("--help") || rest.includes("-h") ? help() : list(rest);
    case "rm":
      return rest.includes("--help") || rest.includes("-h") ? help() : remove(rest);
    case "serve":
      return serve(rest);
    case undefined:
      process.stderr.write(MODEL_USAGE);
      return 2;
    case "help":
    case "--help":
    case "-h":
      return help();
    default:
      return usageError(`unknown command ${JSON.stringify(command)}`);
  }
}

function help(): number {
  process.stdout.write(MODEL_USAGE);
  return 0;
}

function usageError(message: string, prefix = "luci model"): number {
  process.stderr.write(`${prefix}: ${message} (luci model help shows the commands)\n`);
  return 2;
}

function unknownModel(name: string): string {
  return `no model ${JSON.stringify(name)} in Luci's catalogue (${CATALOGUE.map((entry) => entry.name).join(", ")})`;
}

async function pull(args: string[]): Promise<number> {
  if (args.some((arg) => arg.startsWith("-"))) return usageError(`no option ${args.find((arg) => arg.startsWith("-"))}`, "luci model pull");
  if (args.length > 1) return usageError(`too many arguments: ${args.join(" ")} (it takes one NAME)`, "luci model pull");
  let entry: CatalogueEntry;
  if (args[0] !== undefined) {
    const named = catalogueEntry(args[0]);
    if (!named) return usageError(unknownModel(args[0]), "luci model pull");
    entry = named;
  } else {
    const choice = resolveLocalModel();
    entry = choice.kind === "catalogue" ? choice.entry : defaultEntry();
  }
  const dir = modelsDir();
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const line = new ProgressLine(entry.name);
  const started = Date.now();
  try {
    const result = await pullModel(entry, {
      dir,
      signal: controller.signal,
      onProgress: (progress) => line.update(progress),
      onWait: (owner) => line.note(`${owner} is pulling ${entry.name}; waiting for it to finish`),
      onSourceFailed: (failure) => line.note(`${failure.source}: ${failure.error}`),
    });
    line.end();
    const elapsed = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    if (result.ok && result.alreadyInstalled) {
      process.stdout.write(`${entry.name} is already installed and verified: ${result.path}\n`);
      return 0;
    }
    if (result.ok) {
      const resumed = result.resumedFromBytes > 0 ? `, continuing from ${formatBytes(result.resumedFromBytes)}` : "";
      process.stdout.write(
        `${entry.name} is installed and verified: ${result.path} (${formatBytes(entry.size)} from ${result.source ?? "?"} in ${elapsed}${resumed})\n`,
      );
      return 0;
    }
    process.stderr.write(`luci model pull: ${result.message}\n`);
    return result.cancelled ? 130 : 1;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** Progress on stderr: one line rewritten in place on a terminal; on a pipe or file, a line per
 * part, phase or note, and otherwise at most one every ten seconds. */
class ProgressLine {
  private readonly tty = process.stderr.isTTY === true;
  private shown = false;
  private lastKey = "";
  private lastAt = 0;

  constructor(private readonly name: string) {}

  update(progress: PullProgress): void {
    const text = describePullProgress(this.name, progress);
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${text}`);
      this.shown = true;
      return;
    }
    const done = progress.bytes >= progress.total;
    const key = `${progress.phase} ${progress.part ?? ""} ${progress.source} ${done}`;
    const now = Date.now();
    if (key === this.lastKey && (done || now - this.lastAt < 10_000)) return;
    this.lastKey = key;
    this.lastAt = now;
    process.stderr.write(`${text}\n`);
  }

  note(text: string): void {
    this.end();
    process.stderr.write(`${text}\n`);
  }

  end(): void {
    if (this.tty && this.shown) process.stderr.write("\n");
    this.shown = false;
  }
}

function list(args: string[]): number {
  const json = args.includes("--json");
  const unknown = args.find((arg) => arg !== "--json");
  if (unknown !== undefined) return usageError(unknown.startsWith("-") ? `no option ${unknown}` : `list takes no NAME (${unknown})`, "luci model list");
  const listing = listModels(modelsDir());
  const choice = resolveLocalModel();
  if (json) {
    const models = listing.models.map((model) => ({
      name: model.entry.name,
      title: model.entry.title,
      default: model.entry.name === DEFAULT_MODEL_NAME,
      fileName: model.entry.fileName,
      size: model.entry.size,
      sha256: model.entry.sha256,
      sha256Source: model.entry.sha256Source,
      licence: model.entry.licence,
      memoryBytes: model.entry.memoryBytes,
      wantsGpu: model.entry.wantsGpu,
      state: model.state,
      verified: model.state === "verified",
      path: model.path,
      bytes: model.bytes,
    }));
    process.stdout.write(`${JSON.stringify({ dir: listing.dir, models, others: listing.others, selected: selected(choice) }, null, 2)}\n`);
    return 0;
  }
  const rows = listing.models.map((model) => [
    `${model.entry.name}${model.entry.name === DEFAULT_MODEL_NAME ? " *" : ""}`,
    formatBytes(model.entry.size),
    state(model),
    `${(model.entry.memoryBytes / 1024 ** 3).toFixed(1)} GB`,
    model.entry.wantsGpu ? "GPU" : "CPU",
    model.entry.licence,
  ]);
  const table = [["NAME", "SIZE", "STATE", "MEMORY", "FOR", "LICENCE"], ...rows];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  const text = table.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  ")).join("\n");
  const others = listing.others.map((other) => `  ${other.path} (${formatBytes(other.bytes)})`);
  process.stdout.write(
    [
      `Model store: ${listing.dir}`,
      text,
      "* the default",
      ...(others.length > 0 ? ["Other GGUF files in the store (use one with LUCI_LOCAL_MODEL=PATH):", ...others] : []),
      `Luci's model: ${describeChoice(choice)}`,
    ].join("\n") + "\n",
  );
  return 0;
}

function state(model: ListedModel): string {
  switch (model.state) {
    case "verified":
      return "installed, verified";
    case "unverified":
      return "installed, verified at its next use";
    case "corrupted":
      return `corrupted (${formatBytes(model.bytes)}): luci model pull ${model.entry.name}`;
    case "partial":
      return `partial download (${Math.floor((model.bytes / model.entry.size) * 100)}%): luci model pull continues it`;
    case "absent":
      return "not installed";
  }
}

function selected(choice: LocalModelChoice): Record<string, string> {
  switch (choice.kind) {
    case "off":
      return { kind: "off" };
    case "file":
      return { kind: "file", path: choice.path, name: choice.name };
    case "catalogue":
      return { kind: "catalogue", name: choice.entry.name };
    case "invalid":
      return { kind: "invalid", value: choice.value, message: choice.message };
  }
}

function describeChoice(choice: LocalModelChoice): string {
  const set = setting(process.env, "LUCI_LOCAL_MODEL") ? "LUCI_LOCAL_MODEL" : "the default; LUCI_LOCAL_MODEL changes it";
  switch (choice.kind) {
    case "off":
      return "off (LUCI_LOCAL_MODEL=off)";
    case "file":
      return `${choice.path} (LUCI_LOCAL_MODEL)`;
    case "catalogue":
      return `${choice.entry.name} (${set})`;
    case "invalid":
      return choice.message;
  }
}

async function remove(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0]!.startsWith("-"))
    return usageError(args.length === 0 ? "NAME is missing" : `it takes one NAME, not ${args.join(" ")}`, "luci model rm");
  const entry = catalogueEntry(args[0]!);
  if (!entry) return usageError(unknownModel(args[0]!), "luci model rm");
  const dir = modelsDir();
  const result = await removeModel(entry, dir);
  if (!result.ok) {
    process.stderr.write(`luci model rm: ${result.message}\n`);
    return 1;
  }
  if (result.removed.length === 0) {
    process.stderr.write(`luci model rm: ${entry.name} is not installed in ${dir}\n`);
    return 1;
  }
  process.stdout.write(`removed ${entry.name}: ${result.removed.join(", ")}\n`);
  return 0;
}

async function serve(args: string[]): Promise<number> {
  // Loaded only here: the server brings node-llama-cpp, which no other command needs.
  const { runModelServe } = await import("../local-model/server/serve-command.js");
  return runModelServe(args);
}
