// The runtime file of the user's model server: where a kernel finds the one server running for
// its user (pid, port, token, model). Written atomically (temporary file, then rename) once the
// server listens, readable by the user alone (the token is in it), and removed by the server
// that wrote it when it exits. It lives in $XDG_RUNTIME_DIR/luci (a per-login tmpfs) when that
// is set, else in the runtime/ folder of Luci's user data folder.
import { chmodSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { luciDataDir } from "../../common/user-data.js";
import { isObject } from "../../common/json-file.js";

export interface RuntimeInfo {
  pid: number;
  port: number;
  token: string;
  /** The name /v1/models gives and requests use. */
  model: string;
  modelFile: string;
  startedAt: string;
}

const FILE_NAME = "model-server.json";

/** The folder of the runtime file, the launcher's lock and the server's log. */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "luci");
  return join(luciDataDir(env), "runtime");
}

export function runtimeFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(runtimeDir(env), FILE_NAME);
}

/** Creates the folder (0700; an existing one of ours is tightened to 0700). */
export function ensureRuntimeDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** What the file says, or undefined when it is missing or not a runtime file. */
export function readRuntimeFile(path: string): RuntimeInfo | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  return parseRuntimeInfo(raw);
}

function parseRuntimeInfo(raw: unknown): RuntimeInfo | undefined {
  if (!isObject(raw)) return undefined;
  const { pid, port, token, model, modelFile, startedAt } = raw;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return undefined;
  if (typeof port !== "number" || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  if (typeof token !== "string" || token === "" || typeof model !== "string" || typeof modelFile !== "string") return undefined;
  if (typeof startedAt !== "string") return undefined;
  return { pid, port, token, model, modelFile, startedAt };
}

/** Writes the file atomically with mode 0600, creating its folder (0700) if needed. */
export function writeRuntimeFile(path: string, info: RuntimeInfo): void {
  ensureRuntimeDir(join(path, ".."));
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/**
 * Removes the file if it still names this pid: a server started later (which replaced the file)
 * keeps its own. Returns whether the file was removed.
 */
export function removeRuntimeFile(path: string, pid: number = process.pid): boolean {
  if (readRuntimeFile(path)?.pid !== pid) return false;
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
