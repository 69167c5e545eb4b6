// How a kernel gets an endpoint for Luci's own model: the one server of this user if it runs
// with the wanted model, else a new one. The runtime file says where the server is; its pid must
// be alive and `GET /v1/models` must answer with its token and the model. Otherwise
// `luci model serve` is started detached (its own process group, its output in a log beside the
// runtime file, unref'd so the kernel can exit), and we wait until it answers. The start is done
// under a file lock, so that kernels starting together start one server; a stale runtime file
// (its process gone) is replaced; a server running another model is stopped first (one model
// server per user: each holds its model in memory).
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, renameSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageRoot } from "../../common/package-root.js";
import { processAlive } from "../../common/process-alive.js";
import { withLock } from "../../common/file-lock.js";
import { ensureRuntimeDir, readRuntimeFile, runtimeDir, runtimeFilePath, type RuntimeInfo } from "./runtime-file.js";
import { idleSeconds } from "./server-settings.js";
import { CellFailure } from "../../common/cell-failure.js";
import { isObject } from "../../common/json-file.js";

export interface EnsureModelServerOptions {
  /** The GGUF file the server must run. */
  modelFile: string;
  /** The name the server gives the model (and requests must use). */
  modelName: string;
  /** Where the runtime file is (XDG_RUNTIME_DIR, XDG_DATA_HOME) and LUCI_LOCAL_MODEL_* settings; passed to a new server. */
  env?: NodeJS.ProcessEnv;
  /** Told once when the caller has to wait for a model to load. */
  onProgress?: (message: string) => void;
  /** Stops waiting (a server being started keeps loading, for the next call). */
  signal?: AbortSignal;
  /** Give up waiting for a server to answer after this long (default 10 minutes). */
  timeoutMs?: number;
}

export interface ModelEndpoint {
  /** http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  /** The bearer token. */
  apiKey: string;
  model: string;
  /** The server's process. */
  pid: number;
  /** Whether this call started it. */
  started: boolean;
}

/** The server could not be started or did not answer; the message says why, in plain words. */
class ModelServerError extends CellFailure {
  constructor(message: string) {
    super("ModelServerError", message);
  }
}

const LOADING = "Loading the model…";
const POLL_MS = 100;

export async function ensureModelServer(options: EnsureModelServerOptions): Promise<ModelEndpoint> {
  const env = options.env ?? process.env;
  const wanted = { ...options, modelFile: resolve(options.modelFile) };
  const file = runtimeFilePath(env);
  const ready = await probe(readRuntimeFile(file), wanted);
  if (ready.state === "ready") return ready.endpoint;

  const dir = runtimeDir(env);
  ensureRuntimeDir(dir);
  let told = false;
  const progress = () => {
    if (!told) options.onProgress?.(LOADING);
    told = true;
  };
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  const work = withLock(
    join(dir, "model-server.lock"),
    async () => {
      // Another kernel may have started it while this one waited for the lock.
      const info = readRuntimeFile(file);
      const seen = await probe(info, wanted);
      if (seen.state === "ready") return seen.endpoint;
      if (seen.state === "loading") {
        progress();
        return waitForServer(info!.pid, file, wanted, deadline, options.signal, undefined);
      }
      if (seen.state === "other-model") await stopServer(info!.pid);
      progress();
      return startServer(dir, file, wanted, env, deadline, options.signal);
    },
    { timeoutMs: options.timeoutMs ?? 600_000, onWait: progress },
  );
  return options.signal ? untilAborted(work, options.signal) : work;
}

/** The lock cannot be given up while waited for: stop waiting for it instead (it is released soon after). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    // The reason abort() was given: an AbortError (a DOMException, an Error) when it was given none.
    const abort = () => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

type Probe =
  | { state: "ready"; endpoint: ModelEndpoint }
  /** Ours and alive, still loading its model. */
  | { state: "loading" }
  /** Ours and alive, with another model. */
  | { state: "other-model" }
  /** No runtime file, its process is gone, or it does not answer as our server. */
  | { state: "absent" };

async function probe(info: RuntimeInfo | undefined, wanted: EnsureModelServerOptions): Promise<Probe> {
  if (!info || !processAlive(info.pid)) return { state: "absent" };
  const answer = await listModels(info);
  if (answer === "loading") return info.modelFile === wanted.modelFile ? { state: "loading" } : { state: "other-model" };
  if (answer === undefined) return { state: "absent" };
  if (info.modelFile !== wanted.modelFile || !answer.includes(wanted.modelName)) return { state: "other-model" };
  return { state: "ready", endpoint: endpoint(info, wanted.modelName, false) };
}

/** The model ids the server lists; "loading" for its 503; undefined when it does not answer as ours. */
async function listModels(info: RuntimeInfo): Promise<string[] | "loading" | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${info.port}/v1/models`, {
      headers: { Authorization: `Bearer ${info.token}` },
      signal: AbortSignal.timeout(5000),
    });
    if (response.status === 503) return "loading";
    if (!response.ok) return undefined;
    const body: unknown = await response.json();
    const models: unknown[] = isObject(body) && Array.isArray(body.data) ? body.data : [];
    return models.map((model) => String(isObject(model) ? model.id : undefined));
  } catch {
    return undefined;
  }
}

function endpoint(info: RuntimeInfo, model: string, started: boolean): ModelEndpoint {
  return { baseUrl: `http://127.0.0.1:${info.port}/v1`, apiKey: info.token, model, pid: info.pid, started };
}

/** A server process this call started: why it ended (undefined while it runs), and its log. */
interface StartedChild {
  exitReason(): string | undefined;
  logFile: string;
}

async function startServer(
  dir: string,
  file: string,
  wanted: EnsureModelServerOptions,
  env: NodeJS.ProcessEnv,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<ModelEndpoint> {
  const idle = idleSeconds(env);
  if (!idle.ok) throw new ModelServerError(idle.message);
  const logFile = join(dir, "model-server.log");
  rotate(logFile);
  const logFd = openSync(logFile, "a", 0o600);
  const luci = join(packageRoot(), "dist", "kernel", "cli", "luci.js");
  const args = [luci, "model", "serve", "--model-file", wanted.modelFile, "--model-name", wanted.modelName, "--idle-timeout", String(idle.value)];
  let exit: string | undefined;
  try {
    const child = spawn(process.execPath, args, { cwd: dir, env, detached: true, stdio: ["ignore", logFd, logFd] });
    child.once("error", (err) => (exit = err.message));
    child.once("exit", (code, sig) => (exit = sig ? `it was killed by ${sig}` : `it exited with code ${code}`));
    child.unref();
    if (child.pid === undefined) throw new ModelServerError(`could not start the model server (${process.execPath} ${luci})`);
    return await waitForServer(child.pid, file, wanted, deadline, signal, { exitReason: () => exit, logFile });
  } finally {
    closeSync(logFd);
  }
}

/** Polls until the server of `pid` has written the runtime file and answers with the model. */
async function waitForServer(
  pid: number,
  file: string,
  wanted: EnsureModelServerOptions,
  deadline: number,
  signal: AbortSignal | undefined,
  child: StartedChild | undefined,
): Promise<ModelEndpoint> {
  for (;;) {
    const info = readRuntimeFile(file);
    // A server this call started is waited for until it has written its runtime file, even when
    // the caller stops waiting: until then no other kernel can find it, and would start another.
    if (!child || info?.pid === pid) signal?.throwIfAborted();
    const ended = child?.exitReason();
    if (ended !== undefined) {
      throw new ModelServerError(`The model server stopped before it was ready (${ended}). Its log, ${child!.logFile}, ends with:\n${tail(child!.logFile)}`);
    }
    if (!child && !processAlive(pid)) throw new ModelServerError(`The model server (pid ${pid}) stopped while it was loading its model.`);
    if (info?.pid === pid) {
      const answer = await listModels(info);
      if (Array.isArray(answer)) {
        if (answer.includes(wanted.modelName)) return endpoint(info, wanted.modelName, child !== undefined);
        throw new ModelServerError(`The model server (pid ${pid}) lists ${answer.join(", ")}, not ${wanted.modelName}.`);
      }
    }
    if (Date.now() > deadline) throw new ModelServerError(`The model server (pid ${pid}) did not answer in time; it may still be loading.`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Stops a server of ours that runs another model, and waits until it has gone. */
async function stopServer(pid: number): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  for (let waited = 0; processAlive(pid); waited += POLL_MS) {
    if (waited === 10_000) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        return;
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Keeps the log from growing without end: over 5 MB it becomes .1 and a new one starts. */
function rotate(logFile: string): void {
  try {
    if (statSync(logFile).size > 5 * 1024 * 1024) renameSync(logFile, `${logFile}.1`);
  } catch {
    /* no log yet */
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
}
