// `luci serve` in a process of its own, for tests where the server must be watched from outside:
// one that blocks its event loop or runs out of memory would take an in-process test down with
// it, and its memory (peak RSS, from /proc) is its own and not the test runner's.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";

const LUCI = resolve(import.meta.dirname, "..", "..", "dist", "kernel", "cli", "luci.js");

export interface ChildServer {
  child: ChildProcess;
  root: string;
  base: URL;
  token: string;
  /** fetch() against the server with the token; fails after `timeoutMs` (a blocked server never answers). */
  api(path: string, init?: RequestInit & { timeoutMs?: number }): Promise<Response>;
  /** The server's stdout and stderr so far. */
  output(): string;
  /** Resident memory now and at its peak since the last resetPeak(), in bytes. */
  memory(): { rss: number; peak: number };
  resetPeak(): void;
  /** CPU time the server has used so far, all its threads, in clock ticks (/proc/PID/stat). */
  cpuTicks(): number;
  close(): Promise<void>;
}

/**
 * `luci serve ARGS` started with `env`; `url` resolves with the address it prints (token
 * included) and rejects if it exits first; `output` is its stdout and stderr so far (kept
 * bounded: a fuzz run makes the server log a lot).
 */
export function spawnServe(args: string[], env: NodeJS.ProcessEnv, cwd?: string): { child: ChildProcess; url: Promise<URL>; output: () => string } {
  const child = spawn(process.execPath, [LUCI, "serve", ...args], { env, stdio: ["ignore", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
  let output = "";
  const url = new Promise<URL>((resolveUrl, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 1_000_000) output = output.slice(-500_000);
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output);
      if (match) resolveUrl(new URL(match[1]!));
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`luci serve exited (${code}): ${output}`)));
  });
  return { child, url, output: () => output };
}

/** PATH as the test runs with, less every folder that holds a uv (the project's .venv/bin among them). */
function pathWithoutUv(): string {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => dir && !existsSync(join(dir, "uv")))
    .join(delimiter);
}

/**
 * `luci serve` as `npm start` runs it where `luci install` found no uv and put one in Luci's
 * tools venv (`<scratch>/data/luci/tools/bin/uv`, a link to `uv`), and nothing else is
 * configured: no LUCI_UV, LUCI_EXECUTOR or LUCI_PYTHON, no uv on PATH. Its environments go to
 * `<scratch>/envs`, out of the checkout's luci_environments/, where a server run from it would put them.
 */
export async function startUnconfiguredServer(scratch: string, uv: string): Promise<{ server: ChildServer; envs: string }> {
  const envs = join(scratch, "envs");
  const data = join(scratch, "data");
  mkdirSync(join(data, "luci", "tools", "bin"), { recursive: true });
  symlinkSync(uv, join(data, "luci", "tools", "bin", "uv"));
  // Empty is unset (the harness's own choices included).
  const server = await startChildServer({ LUCI_UV: "", LUCI_EXECUTOR: "", LUCI_PYTHON: "", PATH: pathWithoutUv(), XDG_DATA_HOME: data, LUCI_ENV_DIR: envs });
  return { server, envs };
}

export async function startChildServer(env: Record<string, string> = {}): Promise<ChildServer> {
  const root = mkdtempSync(join(tmpdir(), "luci-child-root-"));
  const state = mkdtempSync(join(tmpdir(), "luci-child-state-"));
  const token = "child-server-token";
  const served = spawnServe(["--root", root, "--port", "0", "--token", token], {
    ...process.env,
    LUCI_EXECUTOR: "local",
    LUCI_STATE_DIR: join(state, "s"),
    LUCI_TRUST_DIR: join(state, "t"),
    LUCI_ENV_DIR: join(state, "e"),
    LUCI_LLM_BASE_URL: "http://127.0.0.1:9/v1",
    ...env,
  });
  const { child, output } = served;
  const printed = await served.url;
  const base = new URL(`${printed.origin}/`);
  const status = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
  return {
    child,
    root,
    base,
    token,
    api: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has("Authorization")) headers.set("Authorization", `token ${token}`);
      return fetch(new URL(path, base), { ...init, headers, signal: AbortSignal.timeout(init.timeoutMs ?? 30_000) });
    },
    output,
    memory: () => ({ rss: status("VmRSS"), peak: status("VmHWM") }),
    // Writing 5 to clear_refs resets the peak RSS (VmHWM) of a process of our own.
    resetPeak: () => writeFileSync(`/proc/${child.pid}/clear_refs`, "5"),
    cpuTicks: () => {
      // utime and stime are the 14th and 15th fields; the name in parentheses may hold spaces.
      const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(fields[11]) + Number(fields[12]);
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** A named pipe (FIFO) at `path`, made by the system's mkfifo (coreutils; Node has no call for it). */
export function makeFifo(path: string): void {
  const mkfifo = "mkfifo"; // a system program, not an npm package's binary
  execFileSync(mkfifo, [path]);
}
