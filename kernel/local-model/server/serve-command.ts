// `luci model serve`: runs Luci's own model behind an OpenAI-compatible API on 127.0.0.1, for
// the kernels of this user (the launcher starts it; a person can too). It listens at once,
// writes the runtime file (so kernels find it, and its token), loads the model (503 until then),
// and stops after --idle-timeout seconds without a request, on SIGINT/SIGTERM/SIGHUP, or when
// the model cannot be loaded, removing its runtime file in every case.
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { log } from "../../common/log.js";
import { catalogueEntry } from "../catalogue.js";
import { modelsDir, verifyInstalled } from "../model-store.js";
import type { ChatBackend } from "./chat-backend.js";
import { loadLlamaBackend, type GpuChoice } from "./llama-backend.js";
import { startOpenAiServer, type OpenAiServer } from "./openai-server.js";
import { readRuntimeFile, removeRuntimeFile, runtimeFilePath, writeRuntimeFile } from "./runtime-file.js";
import * as settings from "./server-settings.js";
import { checkSetting, setting } from "../../common/settings.js";
import { errorMessage } from "../../common/errors.js";

const USAGE = `usage: luci model serve (MODEL | --model-file PATH) [options]
  MODEL                    a model of Luci's store (luci model list), e.g. qwen2.5-coder-1.5b
  --model-file PATH        a GGUF file
  --model-name NAME        the name /v1/models gives (default: MODEL, or the file's name)
  --port N                 the port on 127.0.0.1 (default 0: any free port)
  --context-size N         tokens of context (default 8192; LUCI_LOCAL_MODEL_CONTEXT)
  --threads N              CPU threads (default: the machine's cores; LUCI_LOCAL_MODEL_THREADS)
  --gpu auto|off|cuda|vulkan|metal
                           where to compute (default auto: a GPU if one is found; LUCI_LOCAL_MODEL_GPU)
  --idle-timeout SECONDS   stop after this long without a request (default 1800; 0 = never;
                           LUCI_LOCAL_MODEL_IDLE)
  --token T                the bearer token requests must carry (default: a random one; it is
                           written to the runtime file, readable by you alone)
`;

/** How long a server no kernel can find any more stays, in case a request was on its way. */
const ORPHAN_GRACE_MS = 5000;

interface ServeOptions {
  model?: string;
  modelFile?: string;
  modelName?: string;
  port: number;
  contextSize: number;
  threads: number | undefined;
  gpu: GpuChoice;
  idleSeconds: number;
  token: string | undefined;
}

export async function runModelServe(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const options = parseArgs(args, env);
  if (!options.ok) {
    process.stderr.write(`luci model serve: ${options.message}\n${USAGE}`);
    return 2;
  }
  const model = await resolveModel(options.value, env);
  if (!model.ok) {
    process.stderr.write(`luci model serve: ${model.message}\n`);
    return 1;
  }
  return serve(options.value, model.file, model.name, env);
}

async function serve(options: ServeOptions, modelFile: string, modelName: string, env: NodeJS.ProcessEnv): Promise<number> {
  const say = (message: string) => log("info", `model server: ${message}`);
  const token = options.token ?? randomBytes(24).toString("base64url");
  let server: OpenAiServer;
  try {
    server = await startOpenAiServer({ token, model: modelName, port: options.port, log: say });
  } catch (err) {
    process.stderr.write(`luci model serve: cannot listen on port ${options.port}: ${errorMessage(err)}\n`);
    return 1;
  }
  const runtimeFile = runtimeFilePath(env);
  writeRuntimeFile(runtimeFile, { pid: process.pid, port: server.port, token, model: modelName, modelFile, startedAt: new Date().toISOString() });
  // Whatever ends this process, its runtime file must not outlive it.
  process.once("exit", () => removeRuntimeFile(runtimeFile));
  process.stdout.write(`Luci's model server for ${modelName}: ${server.baseUrl} (its token is in ${runtimeFile})\n`);
  say(`listening on ${server.baseUrl}, loading ${modelFile}`);

  let backend: ChatBackend | undefined;
  let stopping: Promise<void> | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      say(`stopping: ${why}`);
      clearInterval(idleTimer);
      removeRuntimeFile(runtimeFile);
      await server.close();
      await backend?.close();
      say("stopped");
    })();
    return stopping;
  };
  const stopped = new Promise<number>((resolveExit) => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.on(signal, () => {
        if (stopping) process.exit(1); // a second signal: now
        void stop(signal).then(() => resolveExit(0));
      });
    }
    const idleMs = options.idleSeconds * 1000;
    idleTimer = setInterval(
      () => {
        const since = server.idleSince();
        if (!backend || since === undefined) return;
        const idle = Date.now() - since;
        if (idleMs > 0 && idle >= idleMs) {
          void stop(`no request for ${options.idleSeconds} s`).then(() => resolveExit(0));
        } else if (idle >= ORPHAN_GRACE_MS && readRuntimeFile(runtimeFile)?.pid !== process.pid) {
          // Another server replaced the runtime file (or it was removed): no kernel can find this
          // one any more, and each holds a model in memory.
          void stop("its runtime file names another server").then(() => resolveExit(0));
        }
      },
      Math.min(1000, idleMs || 1000),
    );
  });

  const loadStart = Date.now();
  try {
    backend = await loadLlamaBackend({ modelFile, contextSize: options.contextSize, threads: options.threads, gpu: options.gpu, log: say });
  } catch (err) {
    say(`cannot load ${modelFile}: ${errorMessage(err)}`);
    await stop("the model could not be loaded");
    return 1;
  }
  if (stopping) {
    await backend.close();
  } else {
    server.setBackend(backend);
    say(`ready: ${modelName} loaded in ${((Date.now() - loadStart) / 1000).toFixed(1)} s`);
  }
  const code = await stopped;
  // node-llama-cpp is disposed; should anything still hold the event loop, exit anyway.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}

type Resolved = { ok: true; file: string; name: string } | { ok: false; message: string };

/** A file as given, or a model of the store (checked against its catalogue sum). */
async function resolveModel(options: ServeOptions, env: NodeJS.ProcessEnv): Promise<Resolved> {
  if (options.modelFile) {
    const file = resolve(options.modelFile);
    if (!isFile(file)) return { ok: false, message: `no model file ${file}` };
    return { ok: true, file, name: options.modelName ?? basename(file) };
  }
  const entry = catalogueEntry(options.model!);
  if (!entry) return { ok: false, message: `${options.model} is not a model Luci knows (luci model list); give a GGUF file with --model-file` };
  const verified = await verifyInstalled(entry, modelsDir(env));
  if (!verified.ok) return { ok: false, message: verified.message };
  return { ok: true, file: verified.path, name: options.modelName ?? entry.name };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function parseArgs(args: string[], env: NodeJS.ProcessEnv): settings.Setting<ServeOptions> {
  const context = settings.contextSize(env);
  const threadCount = settings.threads(env);
  const gpuChoice = settings.gpu(env);
  const idle = settings.idleSeconds(env);
  if (!context.ok) return context;
  if (!threadCount.ok) return threadCount;
  if (!gpuChoice.ok) return gpuChoice;
  if (!idle.ok) return idle;
  const options: ServeOptions = {
    port: 0,
    contextSize: context.value,
    threads: threadCount.value,
    gpu: gpuChoice.value,
    idleSeconds: idle.value,
    token: setting(env, "LUCI_MODEL_SERVER_TOKEN"),
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-")) {
      if (options.model) return { ok: false, message: `one model only (got ${options.model} and ${arg})` };
      options.model = arg;
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === "") return { ok: false, message: `${flag} needs a value` };
    const number = (read: settings.Setting<number | undefined>, apply: (n: number) => void): settings.Setting<unknown> => {
      if (read.ok && read.value !== undefined) apply(read.value);
      return read;
    };
    let parsed: settings.Setting<unknown> = { ok: true, value };
    switch (flag) {
      case "--model-file":
        options.modelFile = value;
        break;
      case "--model-name":
        options.modelName = value;
        break;
      case "--token":
        options.token = value;
        break;
      case "--port":
        parsed = number(settings.wholeNumber(flag, value, 0, 65535), (n) => (options.port = n));
        break;
      case "--context-size":
        parsed = number(checkSetting("LUCI_LOCAL_MODEL_CONTEXT", value, flag), (n) => (options.contextSize = n));
        break;
      case "--threads":
        parsed = number(checkSetting("LUCI_LOCAL_MODEL_THREADS", value, flag), (n) => (options.threads = n));
        break;
      case "--idle-timeout":
        parsed = number(checkSetting("LUCI_LOCAL_MODEL_IDLE", value, flag), (n) => (options.idleSeconds = n));
        break;
      case "--gpu": {
        const choice = settings.parseGpu(flag, value);
        if (choice.ok) options.gpu = choice.value;
        parsed = choice;
        break;
      }
      default:
        return { ok: false, message: `unknown argument ${arg}` };
    }
    if (!parsed.ok) return parsed;
  }
  if (!options.model === !options.modelFile) return { ok: false, message: "name one model: MODEL or --model-file PATH" };
  return { ok: true, value: options };
}
